package dev.kairos.inference.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.inference.ChatRequest;
import dev.kairos.inference.InferenceSettings.ToolProtocol;
import dev.kairos.inference.Message;
import dev.kairos.inference.ResponseFormat;
import dev.kairos.inference.TextToolCalls.Parsed;
import dev.kairos.inference.ToolCall;
import dev.kairos.inference.ToolChoice;
import dev.kairos.inference.ToolSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One way of writing tool calls as text. Each protocol owns the instructions that teach it, the rendering of past
 * calls and results, the parser that reads calls back, and the constraint (grammar or schema) that keeps the output
 * parseable. The Llama 3 JSON protocol also reads the pythonic call list of Llama 3.2 small models
 * ({@link PythonicCalls}): those models are served under that protocol, so it is a reading of it, not a protocol of
 * its own.
 */
public sealed interface TextProtocol {

    /** The protocol, or empty for native tool calls (nothing to do in text). */
    static Optional<TextProtocol> of(ToolProtocol p) {
        return switch (p) {
            case NATIVE, AUTO -> Optional.empty(); // AUTO is resolved to one of the others before use
            case HERMES -> Optional.of(new Hermes());
            case LLAMA3_JSON -> Optional.of(new Llama3Json());
            case REACT -> Optional.of(new React());
            case JSON_ACTION -> Optional.of(new JsonAction());
        };
    }

    /** Reads the calls out of the model's text ({@code text} is past its thinking, which is {@code reasoning}). */
    Parsed parse(String text, String reasoning);

    /** The system-prompt text that teaches the model the format and lists the tools (rendered stably). */
    String instructions(List<ToolSpec> tools);

    /** Earlier calls of the assistant, as the model would have written them. */
    String renderCalls(List<ToolCall> calls);

    /** A tool's result, as the model is told it. */
    String renderResult(Message.ToolResult r);

    /** The constraint allowing {@code minCalls}..{@code maxCalls} (-1: any number) calls of these tools. */
    Optional<ResponseFormat> constraint(List<ToolSpec> tools, int minCalls, int maxCalls);

    /**
     * The constraint for a request: its tool choice ({@code required}: at least one call; a named tool: only that
     * tool; {@code none}: no constraint) and {@code parallel_tool_calls} (false: at most one).
     */
    default Optional<ResponseFormat> constraint(ChatRequest request) {
        List<ToolSpec> tools = switch (request.toolChoice()) {
            case ToolChoice.None n -> List.of();
            case ToolChoice.Named(String name) -> request.tools().stream().filter(t -> t.name().equals(name)).toList();
            default -> request.tools();
        };
        if (tools.isEmpty()) {
            return Optional.empty();
        }
        int min = request.toolChoice() instanceof ToolChoice.Auto ? 0 : 1;
        return constraint(tools, min, request.parallelToolCalls() ? -1 : 1);
    }

    /** Hermes / Qwen: {@code <tool_call>{"name": …, "arguments": …}</tool_call>}, results in {@code <tool_response>}. */
    record Hermes() implements TextProtocol {
        private static final Pattern CALL = Pattern.compile("<tool_call>(.*?)</tool_call>|<tool_call>(.*)", Pattern.DOTALL);

        @Override
        public Parsed parse(String text, String reasoning) {
            List<ToolCall> calls = new ArrayList<>();
            StringBuilder content = new StringBuilder();
            Matcher m = CALL.matcher(text);
            int last = 0;
            while (m.find()) {
                content.append(text, last, m.start());
                last = m.end();
                String json = (m.group(1) != null ? m.group(1) : m.group(2)).strip();
                calls.add(callFrom(WireJson.tryParse(json), json, "arguments"));
            }
            content.append(text.substring(last));
            return new Parsed(content.toString().strip(), reasoning, calls, null);
        }

        @Override
        public String instructions(List<ToolSpec> tools) {
            StringBuilder sb = new StringBuilder();
            sb.append("# Tools\n\nYou may call one or more functions to assist with the user query.\n\n");
            sb.append("You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n");
            definitions(tools).forEach(d -> sb.append(WireJson.write(d)).append('\n'));
            sb.append("</tools>\n\nFor each function call, return a json object with function name and arguments "
                    + "within <tool_call></tool_call> XML tags:\n<tool_call>\n"
                    + "{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>");
            return sb.toString();
        }

        @Override
        public String renderCalls(List<ToolCall> calls) {
            StringBuilder sb = new StringBuilder();
            for (ToolCall c : calls)
                sb.append("<tool_call>\n{\"name\": \"").append(c.name()).append("\", \"arguments\": ")
                        .append(arguments(c)).append("}\n</tool_call>\n");
            return sb.toString().strip();
        }

        @Override
        public String renderResult(Message.ToolResult r) {
            return "<tool_response>\n" + WireJson.write(WireJson.NODES.objectNode().put("name", r.toolName())
                    .put("content", r.content())) + "\n</tool_response>";
        }

        @Override
        public Optional<ResponseFormat> constraint(List<ToolSpec> tools, int minCalls, int maxCalls) {
            return Optional.of(new ResponseFormat.Grammar(ToolCallGrammar.hermes(tools, minCalls, maxCalls)));
        }
    }

    /** Llama 3.1 JSON: {@code <|python_tag|>{"name": …, "parameters": …}; …}, or Llama 3.2's pythonic list. */
    record Llama3Json() implements TextProtocol {
        @Override
        public Parsed parse(String text, String reasoning) {
            String t = text.replace("<|eom_id|>", "").replace("<|eot_id|>", "").strip();
            boolean tagged = t.startsWith("<|python_tag|>");
            if (tagged) {
                t = t.substring("<|python_tag|>".length()).strip();
            }
            if (t.startsWith("[")) {
                // Llama 3.2 small models: pythonic [f(a=1), g(b="x")], read as data, never evaluated.
                var pythonic = PythonicCalls.parse(t);
                if (pythonic.isPresent()) {
                    return new Parsed("", reasoning, pythonic.get().stream()
                            .map(c -> new ToolCall(newId(), c.name(), WireJson.write(c.arguments()))).toList(), null);
                }
            }
            if (!t.startsWith("{")) {
                return new Parsed(text.strip(), reasoning, List.of(), null);
            }
            List<ToolCall> calls = new ArrayList<>();
            for (String part : splitTopLevel(t, ';')) {
                String p = part.strip();
                if (p.isEmpty()) {
                    continue;
                }
                JsonNode n = WireJson.tryParse(p);
                if (n == null || !n.isObject() || !n.has("name")) {
                    if (!tagged && calls.isEmpty()) {
                        return new Parsed(text.strip(), reasoning, List.of(), null); // JSON that is an answer, not a call
                    }
                    calls.add(new ToolCall(newId(), n != null && n.has("name") ? n.get("name").asText() : "unknown", p));
                    continue;
                }
                calls.add(callFrom(n, p, n.has("parameters") ? "parameters" : "arguments"));
            }
            return new Parsed("", reasoning, calls, null);
        }

        @Override
        public String instructions(List<ToolSpec> tools) {
            StringBuilder sb = new StringBuilder();
            sb.append("Given the following functions, please respond with a JSON for a function call with its proper "
                    + "arguments that best answers the given prompt.\n\nRespond in the format "
                    + "{\"name\": function name, \"parameters\": dictionary of argument name and its value}. "
                    + "Do not use variables. Separate several calls with ';'.\n\n");
            definitions(tools).forEach(d -> sb.append(WireJson.write(d)).append("\n\n"));
            return sb.toString();
        }

        @Override
        public String renderCalls(List<ToolCall> calls) {
            StringBuilder sb = new StringBuilder();
            for (ToolCall c : calls)
                sb.append(sb.isEmpty() ? "<|python_tag|>" : "; ").append("{\"name\": \"")
                        .append(c.name()).append("\", \"parameters\": ").append(arguments(c)).append('}');
            return sb.toString().strip();
        }

        @Override
        public String renderResult(Message.ToolResult r) {
            return "Result of " + r.toolName() + ": " + r.content();
        }

        @Override
        public Optional<ResponseFormat> constraint(List<ToolSpec> tools, int minCalls, int maxCalls) {
            return Optional.of(new ResponseFormat.Grammar(ToolCallGrammar.llama3Json(tools, minCalls, maxCalls)));
        }
    }

    /** ReAct: Thought / Action / Action Input lines, results as Observation. */
    record React() implements TextProtocol {
        private static final Pattern ACTION = Pattern.compile(
                "Action:\\s*([A-Za-z0-9_.-]+)\\s*\\R\\s*Action Input:\\s*", Pattern.DOTALL);

        @Override
        public Parsed parse(String text, String reasoning) {
            // The model may go on to invent the Observation itself: everything from there on is not its to write.
            int obs = text.indexOf("\nObservation:");
            String t = obs >= 0 ? text.substring(0, obs) : text;
            int fin = t.indexOf("Final Answer:");
            String thought = null;
            Matcher th = Pattern.compile("Thought:\\s*(.*?)(?=\\R(?:Action|Final Answer):|$)", Pattern.DOTALL).matcher(t);
            if (th.find()) {
                thought = th.group(1).strip();
            }
            String allReasoning = join(reasoning, thought);
            List<ToolCall> calls = new ArrayList<>();
            Matcher m = ACTION.matcher(t);
            while (m.find()) {
                String rest = t.substring(m.end());
                String input = firstJsonValue(rest);
                calls.add(new ToolCall(newId(), m.group(1), input == null ? rest.lines().findFirst().orElse("").strip() : input));
            }
            if (!calls.isEmpty()) {
                return new Parsed("", allReasoning, calls, null);
            }
            String content = fin >= 0 ? t.substring(fin + "Final Answer:".length()).strip() : (thought == null ? t.strip() : "");
            return new Parsed(content, allReasoning, List.of(), null);
        }

        @Override
        public String instructions(List<ToolSpec> tools) {
            StringBuilder sb = new StringBuilder();
            sb.append("Answer the question as best you can. You have access to the following tools:\n\n");
            for (ToolSpec t : tools) {
                sb.append(t.name()).append(": ").append(t.description()).append(" Arguments: ")
                        .append(WireJson.write(WireJson.canonical(t.inputSchema()))).append('\n');
            }
            sb.append("\nUse the following format:\n\nThought: think about what to do\nAction: the tool to use, one of [")
                    .append(String.join(", ", tools.stream().map(ToolSpec::name).toList()))
                    .append("]\nAction Input: the arguments as a JSON object\nObservation: the result of the action\n"
                            + "... (Thought/Action/Action Input/Observation can repeat)\nThought: I now know the final answer\n"
                            + "Final Answer: the answer to the question");
            return sb.toString();
        }

        @Override
        public String renderCalls(List<ToolCall> calls) {
            StringBuilder sb = new StringBuilder();
            for (ToolCall c : calls) sb.append("Action: ").append(c.name()).append("\nAction Input: ").append(arguments(c)).append('\n');
            return sb.toString().strip();
        }

        @Override
        public String renderResult(Message.ToolResult r) {
            return "Observation: " + r.content();
        }

        @Override
        public Optional<ResponseFormat> constraint(List<ToolSpec> tools, int minCalls, int maxCalls) {
            return Optional.of(new ResponseFormat.Grammar(ToolCallGrammar.react(tools, minCalls)));
        }
    }

    /** One JSON object per reply: {@code call_tool}, {@code ask_user} or {@code final_answer}. */
    record JsonAction() implements TextProtocol {
        @Override
        public Parsed parse(String text, String reasoning) {
            String t = stripFence(text.strip());
            JsonNode n = WireJson.tryParse(t);
            if (n == null || !(n.isObject() || n.isArray())) {
                return new Parsed(text.strip(), reasoning, List.of(), null);
            }
            List<ToolCall> calls = new ArrayList<>();
            StringBuilder content = new StringBuilder();
            String question = null;
            for (JsonNode a : n.isArray() ? n : List.of(n)) {
                switch (a.path("action").asText("")) {
                    case "call_tool" -> calls.add(new ToolCall(newId(), a.path("tool_name").asText(""),
                            WireJson.write(a.has("tool_params") ? a.get("tool_params") : WireJson.NODES.objectNode())));
                    case "ask_user" -> question = firstText(a, "question", "message", "text");
                    case "final_answer", "answer", "respond" -> content.append(firstText(a, "answer", "content", "text"));
                    default -> content.append(WireJson.write(a));
                }
            }
            return new Parsed(content.toString(), reasoning, calls, question);
        }

        @Override
        public String instructions(List<ToolSpec> tools) {
            StringBuilder sb = new StringBuilder();
            sb.append("Reply with exactly one JSON object and nothing else. To call a tool: "
                    + "{\"action\":\"call_tool\",\"tool_name\":<name>,\"tool_params\":{...}}. To ask the user: "
                    + "{\"action\":\"ask_user\",\"question\":<text>}. To answer: {\"action\":\"final_answer\",\"answer\":<text>}.\n"
                    + "Tools:\n");
            definitions(tools).forEach(d -> sb.append(WireJson.write(d)).append('\n'));
            return sb.toString();
        }

        @Override
        public String renderCalls(List<ToolCall> calls) {
            StringBuilder sb = new StringBuilder();
            for (ToolCall c : calls)
                sb.append("{\"action\":\"call_tool\",\"tool_name\":\"").append(c.name())
                        .append("\",\"tool_params\":").append(arguments(c)).append("}\n");
            return sb.toString().strip();
        }

        @Override
        public String renderResult(Message.ToolResult r) {
            return WireJson.write(WireJson.NODES.objectNode().put("tool_result", r.toolName())
                    .put("is_error", r.isError()).put("content", r.content()));
        }

        /** ask_user and final_answer stay open whatever the tool choice. */
        @Override
        public Optional<ResponseFormat> constraint(ChatRequest request) {
            return constraint(request.tools(), 0, -1);
        }

        /** A JSON schema with one branch per tool, and the ask_user and final_answer branches. */
        @Override
        public Optional<ResponseFormat> constraint(List<ToolSpec> tools, int minCalls, int maxCalls) {
            ObjectNode schema = WireJson.NODES.objectNode();
            ArrayNode any = schema.putArray("anyOf");
            for (ToolSpec t : tools) {
                ObjectNode b = any.addObject().put("type", "object");
                ObjectNode p = b.putObject("properties");
                p.putObject("action").put("const", "call_tool");
                p.putObject("tool_name").put("const", t.name());
                p.set("tool_params", WireJson.canonical(t.inputSchema()));
                b.putArray("required").add("action").add("tool_name").add("tool_params");
            }
            ObjectNode ask = any.addObject().put("type", "object");
            ask.putObject("properties").putObject("action").put("const", "ask_user");
            ((ObjectNode) ask.get("properties")).putObject("question").put("type", "string");
            ask.putArray("required").add("action").add("question");
            ObjectNode fin = any.addObject().put("type", "object");
            fin.putObject("properties").putObject("action").put("const", "final_answer");
            ((ObjectNode) fin.get("properties")).putObject("answer").put("type", "string");
            fin.putArray("required").add("action").add("answer");
            return Optional.of(new ResponseFormat.JsonSchema("action", schema, true));
        }
    }

    // ---- shared by the protocols ----

    /** The tools as OpenAI function definitions, schemas canonical so the prompt prefix stays stable. */
    private static ArrayNode definitions(List<ToolSpec> tools) {
        ArrayNode defs = WireJson.NODES.arrayNode();
        for (ToolSpec t : tools) {
            ObjectNode d = defs.addObject().put("type", "function");
            d.putObject("function").put("name", t.name()).put("description", t.description())
                    .set("parameters", WireJson.canonical(t.inputSchema()));
        }
        return defs;
    }

    /** A call's arguments as compact JSON (text that is not JSON as a JSON string). */
    private static String arguments(ToolCall c) {
        JsonNode args = WireJson.tryParse(c.arguments());
        return args == null ? WireJson.write(WireJson.NODES.textNode(c.arguments())) : WireJson.write(args);
    }

    /** Two texts on separate lines, either may be blank. */
    private static String join(String a, String b) {
        if (a == null || a.isBlank()) {
            return b;
        }
        if (b == null || b.isBlank()) {
            return a;
        }
        return a.strip() + "\n" + b.strip();
    }

    private static ToolCall callFrom(JsonNode n, String raw, String argsField) {
        if (n == null || !n.isObject()) {
            // Keep the broken text so the validator can tell the model what is wrong.
            Matcher name = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]+)\"").matcher(raw);
            return new ToolCall(newId(), name.find() ? name.group(1) : "unknown", raw);
        }
        JsonNode args = n.get(argsField);
        String a = args == null || args.isNull() ? "{}" : args.isTextual() ? args.asText() : WireJson.write(args);
        return new ToolCall(newId(), n.path("name").asText("unknown"), WireJson.normalize(a));
    }

    /** The JSON object at the start of {@code s} (text after it ignored), compact; the raw text if it does not parse. */
    private static String firstJsonValue(String s) {
        String t = s.stripLeading();
        if (!t.startsWith("{")) {
            return null;
        }
        try (var parser = WireJson.MAPPER.getFactory().createParser(t)) {
            return WireJson.write(parser.readValueAsTree());
        } catch (java.io.IOException e) {
            return t.strip(); // unterminated or broken: let validation report it
        }
    }

    private static List<String> splitTopLevel(String s, char sep) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        boolean inString = false;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
            } else if (c == sep && depth == 0) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }

    private static String stripFence(String t) {
        if (t.startsWith("```")) {
            int nl = t.indexOf('\n');
            int end = t.lastIndexOf("```");
            if (nl > 0 && end > nl) {
                return t.substring(nl + 1, end).strip();
            }
        }
        return t;
    }

    private static String firstText(JsonNode n, String... fields) {
        for (String f : fields) {
            if (n.hasNonNull(f)) {
                return n.get(f).asText();
            }
        }
        return "";
    }

    private static String newId() {
        return "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }
}
