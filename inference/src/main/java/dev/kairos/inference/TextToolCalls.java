package dev.kairos.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.inference.InferenceSettings.ToolProtocol;
import dev.kairos.inference.internal.Json;
import dev.kairos.inference.internal.ThinkSplitter;
import dev.kairos.inference.internal.ToolCallGrammar;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tool calling for models or servers without native tool calls: the tools are described in the
 * system prompt, and the calls are parsed from the text the model writes, in one of four formats
 * (Hermes/Qwen {@code <tool_call>}, Llama 3.1 JSON, ReAct, the JSON action object).
 */
public final class TextToolCalls {
    private static final Pattern HERMES = Pattern.compile("<tool_call>(.*?)</tool_call>|<tool_call>(.*)", Pattern.DOTALL);
    private static final Pattern REACT_ACTION = Pattern.compile(
            "Action:\\s*([A-Za-z0-9_.-]+)\\s*\\R\\s*Action Input:\\s*", Pattern.DOTALL);

    private TextToolCalls() {
    }

    /** What a model wrote, split into answer text, reasoning, tool calls and a question for the user. */
    public record Parsed(String content, String reasoning, List<ToolCall> toolCalls, String question) {
        public Parsed {
            content = content == null ? "" : content;
            toolCalls = List.copyOf(toolCalls);
        }
    }

    /** Parses model output in the given format; text that is no call stays content. */
    public static Parsed parse(ToolProtocol protocol, String text) {
        String[] split = ThinkSplitter.split(text == null ? "" : text);
        String reasoning = split[0];
        String body = split[1];
        return switch (protocol) {
            case NATIVE -> new Parsed(body, reasoning, List.of(), null);
            case HERMES -> hermes(body, reasoning);
            case LLAMA3_JSON -> llama3(body, reasoning);
            case REACT -> react(body, reasoning);
            case JSON_ACTION -> jsonAction(body, reasoning);
        };
    }

    private static Parsed hermes(String text, String reasoning) {
        List<ToolCall> calls = new ArrayList<>();
        StringBuilder content = new StringBuilder();
        Matcher m = HERMES.matcher(text);
        int last = 0;
        while (m.find()) {
            content.append(text, last, m.start());
            last = m.end();
            String json = (m.group(1) != null ? m.group(1) : m.group(2)).strip();
            calls.add(callFrom(Json.tryParse(json), json, "arguments"));
        }
        content.append(text.substring(last));
        return new Parsed(content.toString().strip(), reasoning, calls, null);
    }

    private static Parsed llama3(String text, String reasoning) {
        String t = text.replace("<|eom_id|>", "").replace("<|eot_id|>", "").strip();
        boolean tagged = t.startsWith("<|python_tag|>");
        if (tagged) {
            t = t.substring("<|python_tag|>".length()).strip();
        }
        if (t.startsWith("[")) {
            // Llama 3.2 small models: pythonic [f(a=1), g(b="x")], read as data, never evaluated.
            var pythonic = dev.kairos.inference.internal.PythonicCalls.parse(t);
            if (pythonic.isPresent()) {
                return new Parsed("", reasoning, pythonic.get().stream()
                        .map(c -> new ToolCall(newId(), c.name(), Json.write(c.arguments()))).toList(), null);
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
            JsonNode n = Json.tryParse(p);
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

    private static Parsed react(String text, String reasoning) {
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
        Matcher m = REACT_ACTION.matcher(t);
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

    private static Parsed jsonAction(String text, String reasoning) {
        String t = stripFence(text.strip());
        JsonNode n = Json.tryParse(t);
        if (n == null || !(n.isObject() || n.isArray())) {
            return new Parsed(text.strip(), reasoning, List.of(), null);
        }
        List<ToolCall> calls = new ArrayList<>();
        StringBuilder content = new StringBuilder();
        String question = null;
        for (JsonNode a : n.isArray() ? n : List.of(n)) {
            switch (a.path("action").asText("")) {
                case "call_tool" -> calls.add(new ToolCall(newId(), a.path("tool_name").asText(""),
                        Json.write(a.has("tool_params") ? a.get("tool_params") : Json.NODES.objectNode())));
                case "ask_user" -> question = firstText(a, "question", "message", "text");
                case "final_answer", "answer", "respond" -> content.append(firstText(a, "answer", "content", "text"));
                default -> content.append(Json.write(a));
            }
        }
        return new Parsed(content.toString(), reasoning, calls, question);
    }

    /** The system-prompt text that teaches the model the format and lists the tools (rendered stably). */
    public static String instructions(ToolProtocol protocol, List<ToolSpec> tools) {
        StringBuilder sb = new StringBuilder();
        ArrayNode defs = Json.NODES.arrayNode();
        for (ToolSpec t : tools) {
            ObjectNode d = defs.addObject().put("type", "function");
            d.putObject("function").put("name", t.name()).put("description", t.description())
                    .set("parameters", Json.canonical(t.inputSchema()));
        }
        switch (protocol) {
            case NATIVE -> {
                return "";
            }
            case HERMES -> {
                sb.append("# Tools\n\nYou may call one or more functions to assist with the user query.\n\n");
                sb.append("You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n");
                defs.forEach(d -> sb.append(Json.write(d)).append('\n'));
                sb.append("</tools>\n\nFor each function call, return a json object with function name and arguments "
                        + "within <tool_call></tool_call> XML tags:\n<tool_call>\n"
                        + "{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>");
            }
            case LLAMA3_JSON -> {
                sb.append("Given the following functions, please respond with a JSON for a function call with its proper "
                        + "arguments that best answers the given prompt.\n\nRespond in the format "
                        + "{\"name\": function name, \"parameters\": dictionary of argument name and its value}. "
                        + "Do not use variables. Separate several calls with ';'.\n\n");
                defs.forEach(d -> sb.append(Json.write(d)).append("\n\n"));
            }
            case REACT -> {
                sb.append("Answer the question as best you can. You have access to the following tools:\n\n");
                for (ToolSpec t : tools) {
                    sb.append(t.name()).append(": ").append(t.description()).append(" Arguments: ")
                            .append(Json.write(Json.canonical(t.inputSchema()))).append('\n');
                }
                sb.append("\nUse the following format:\n\nThought: think about what to do\nAction: the tool to use, one of [")
                        .append(String.join(", ", tools.stream().map(ToolSpec::name).toList()))
                        .append("]\nAction Input: the arguments as a JSON object\nObservation: the result of the action\n"
                                + "... (Thought/Action/Action Input/Observation can repeat)\nThought: I now know the final answer\n"
                                + "Final Answer: the answer to the question");
            }
            case JSON_ACTION -> {
                sb.append("Reply with exactly one JSON object and nothing else. To call a tool: "
                        + "{\"action\":\"call_tool\",\"tool_name\":<name>,\"tool_params\":{...}}. To ask the user: "
                        + "{\"action\":\"ask_user\",\"question\":<text>}. To answer: {\"action\":\"final_answer\",\"answer\":<text>}.\n"
                        + "Tools:\n");
                defs.forEach(d -> sb.append(Json.write(d)).append('\n'));
            }
        }
        return sb.toString();
    }

    /**
     * The constrained-decoding format that makes the output always parse, where the format allows
     * one: the JSON action object as a JSON schema (one branch per tool); Hermes and Llama 3.1 JSON as
     * a GBNF grammar (any number of calls, each naming one of the tools, arguments shaped by its schema
     * where the schema is closed and simple).
     */
    public static Optional<ResponseFormat> constraint(ToolProtocol protocol, List<ToolSpec> tools) {
        return constraint(protocol, tools, 0, -1);
    }

    /**
     * The constraint for a request: its tool choice ({@code required}: at least one call; a named tool:
     * only that tool; {@code none}: no constraint) and {@code parallel_tool_calls} (false: at most one).
     */
    public static Optional<ResponseFormat> constraint(ToolProtocol protocol, ChatRequest request) {
        if (protocol == ToolProtocol.JSON_ACTION) {
            return constraint(protocol, request.tools()); // ask_user and final_answer stay open whatever the choice
        }
        List<ToolSpec> tools = switch (request.toolChoice()) {
            case ToolChoice.None n -> List.of();
            case ToolChoice.Named(String name) -> request.tools().stream().filter(t -> t.name().equals(name)).toList();
            default -> request.tools();
        };
        if (tools.isEmpty()) {
            return Optional.empty();
        }
        int min = request.toolChoice() instanceof ToolChoice.Auto ? 0 : 1;
        return constraint(protocol, tools, min, request.parallelToolCalls() ? -1 : 1);
    }

    private static Optional<ResponseFormat> constraint(ToolProtocol protocol, List<ToolSpec> tools, int minCalls, int maxCalls) {
        switch (protocol) {
            case HERMES -> {
                return Optional.of(new ResponseFormat.Grammar(ToolCallGrammar.hermes(tools, minCalls, maxCalls)));
            }
            case LLAMA3_JSON -> {
                return Optional.of(new ResponseFormat.Grammar(ToolCallGrammar.llama3Json(tools, minCalls, maxCalls)));
            }
            case REACT -> {
                return Optional.of(new ResponseFormat.Grammar(ToolCallGrammar.react(tools, minCalls)));
            }
            case JSON_ACTION -> {
            }
            default -> {
                return Optional.empty();
            }
        }
        ObjectNode schema = Json.NODES.objectNode();
        ArrayNode any = schema.putArray("anyOf");
        for (ToolSpec t : tools) {
            ObjectNode b = any.addObject().put("type", "object");
            ObjectNode p = b.putObject("properties");
            p.putObject("action").put("const", "call_tool");
            p.putObject("tool_name").put("const", t.name());
            p.set("tool_params", Json.canonical(t.inputSchema()));
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

    /** Renders the conversation for a text protocol: tools in the system prompt, calls and results as text. */
    public static ChatRequest render(ToolProtocol protocol, ChatRequest request, boolean constrain) {
        if (protocol == ToolProtocol.NATIVE || request.tools().isEmpty()) {
            return request;
        }
        String instructions = instructions(protocol, request.tools());
        List<Message> out = new ArrayList<>();
        boolean systemSeen = false;
        StringBuilder pendingResults = new StringBuilder();
        for (Message m : request.messages()) {
            if (!(m instanceof Message.ToolResult) && !pendingResults.isEmpty()) {
                out.add(new Message.User(pendingResults.toString().strip()));
                pendingResults.setLength(0);
            }
            if (m instanceof Message.System(String text) && !systemSeen) {
                systemSeen = true;
                out.add(new Message.System(text + "\n\n" + instructions));
                continue;
            }
            switch (m) {
                case Message.Assistant a when !a.toolCalls().isEmpty() ->
                        out.add(new Message.Assistant(join(a.content(), callsAsText(protocol, a.toolCalls()))));
                case Message.ToolResult r -> pendingResults.append(resultAsText(protocol, r)).append('\n');
                default -> out.add(m);
            }
        }
        if (!pendingResults.isEmpty()) {
            out.add(new Message.User(pendingResults.toString().strip()));
        }
        if (!systemSeen) {
            out.addFirst(new Message.System(instructions));
        }
        ChatRequest r = request.withMessages(out).withTools(List.of()).withToolChoice(ToolChoice.AUTO);
        if (constrain && request.responseFormat() instanceof ResponseFormat.Text) {
            r = constraint(protocol, request).map(r::withResponseFormat).orElse(r);
        }
        return r;
    }

    /** A client that speaks the text protocol to the inner one and reports parsed tool calls as native ones. */
    public static ChatClient over(ChatClient inner, ToolProtocol protocol, boolean constrain) {
        if (protocol == ToolProtocol.NATIVE) {
            return inner;
        }
        return new ChatClient() {
            @Override
            public ChatResponse chat(ChatRequest request) {
                return toNative(inner.chat(render(protocol, request, constrain)), request);
            }

            @Override
            public ChatResponse stream(ChatRequest request, StreamListener listener) {
                // Content is held back until the end: until then we cannot tell answer text from a call.
                ChatResponse raw = inner.stream(render(protocol, request, constrain), e -> {
                    if (e instanceof StreamEvent.ReasoningDelta) {
                        listener.on(e);
                    }
                });
                ChatResponse r = toNative(raw, request);
                if (!r.content().isEmpty()) {
                    listener.on(new StreamEvent.ContentDelta(r.content()));
                }
                r.toolCalls().forEach(c -> listener.on(new StreamEvent.ToolCallCompleted(c)));
                if (r.usage().totalTokens() > 0) {
                    listener.on(new StreamEvent.UsageReport(r.usage()));
                }
                listener.on(new StreamEvent.End(r));
                return r;
            }

            private ChatResponse toNative(ChatResponse raw, ChatRequest request) {
                if (request.tools().isEmpty()) {
                    return raw;
                }
                Parsed p = parse(protocol, raw.content());
                List<ToolCall> calls = request.parallelToolCalls() || p.toolCalls().isEmpty()
                        ? p.toolCalls() : p.toolCalls().subList(0, 1);
                String content = p.question() != null ? join(p.content(), p.question()) : p.content();
                FinishReason reason = calls.isEmpty() ? raw.finishReason() : FinishReason.TOOL_CALLS;
                return new ChatResponse(content, join(raw.reasoning(), p.reasoning()), calls, reason, raw.usage(), raw.timings());
            }
        };
    }

    private static String callsAsText(ToolProtocol protocol, List<ToolCall> calls) {
        StringBuilder sb = new StringBuilder();
        for (ToolCall c : calls) {
            JsonNode args = Json.tryParse(c.arguments());
            String a = args == null ? Json.write(Json.NODES.textNode(c.arguments())) : Json.write(args);
            switch (protocol) {
                case HERMES -> sb.append("<tool_call>\n{\"name\": \"").append(c.name()).append("\", \"arguments\": ")
                        .append(a).append("}\n</tool_call>\n");
                case LLAMA3_JSON -> sb.append(sb.isEmpty() ? "<|python_tag|>" : "; ").append("{\"name\": \"")
                        .append(c.name()).append("\", \"parameters\": ").append(a).append('}');
                case REACT -> sb.append("Action: ").append(c.name()).append("\nAction Input: ").append(a).append('\n');
                case JSON_ACTION -> sb.append("{\"action\":\"call_tool\",\"tool_name\":\"").append(c.name())
                        .append("\",\"tool_params\":").append(a).append("}\n");
                case NATIVE -> {
                }
            }
        }
        return sb.toString().strip();
    }

    private static String resultAsText(ToolProtocol protocol, Message.ToolResult r) {
        return switch (protocol) {
            case HERMES -> "<tool_response>\n" + Json.write(Json.NODES.objectNode().put("name", r.toolName())
                    .put("content", r.content())) + "\n</tool_response>";
            case REACT -> "Observation: " + r.content();
            case JSON_ACTION -> Json.write(Json.NODES.objectNode().put("tool_result", r.toolName())
                    .put("is_error", r.isError()).put("content", r.content()));
            case LLAMA3_JSON, NATIVE -> "Result of " + r.toolName() + ": " + r.content();
        };
    }

    private static ToolCall callFrom(JsonNode n, String raw, String argsField) {
        if (n == null || !n.isObject()) {
            // Keep the broken text so the validator can tell the model what is wrong.
            Matcher name = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]+)\"").matcher(raw);
            return new ToolCall(newId(), name.find() ? name.group(1) : "unknown", raw);
        }
        JsonNode args = n.get(argsField);
        String a = args == null || args.isNull() ? "{}" : args.isTextual() ? args.asText() : Json.write(args);
        return new ToolCall(newId(), n.path("name").asText("unknown"), Json.normalize(a));
    }

    /** The JSON object at the start of {@code s} (text after it ignored), compact; the raw text if it does not parse. */
    private static String firstJsonValue(String s) {
        String t = s.stripLeading();
        if (!t.startsWith("{")) {
            return null;
        }
        try (var parser = Json.MAPPER.getFactory().createParser(t)) {
            return Json.write(parser.readValueAsTree());
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

    private static String join(String a, String b) {
        if (a == null || a.isBlank()) {
            return b;
        }
        if (b == null || b.isBlank()) {
            return a;
        }
        return a.strip() + "\n" + b.strip();
    }

    private static String newId() {
        return "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }
}
