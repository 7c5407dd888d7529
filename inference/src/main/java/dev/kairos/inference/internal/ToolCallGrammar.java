package dev.kairos.inference.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.ToolSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * GBNF grammars for the text tool-call protocols, so a constrained engine can only write output
 * that {@code TextToolCalls.parse} reads: a tool name from the list, arguments that are a JSON object.
 *
 * <p>The dialect is llama.cpp's GBNF, which xgrammar (vLLM {@code structured_outputs.grammar}, SGLang
 * {@code ebnf}) also reads: literals, character classes, groups, {@code | * + ?}, one rule per line.
 * Arguments follow the tool's input schema where it is closed and simple ({@code additionalProperties:
 * false}, typed properties, enums, arrays, nested closed objects; properties in sorted order, as the
 * prompt shows them); any other schema gets any JSON object, checked afterwards by the argument validator.
 */
public final class ToolCallGrammar {
    /** JSON values, after llama.cpp's {@code grammars/json.gbnf}. */
    private static final String JSON_RULES = """
            object ::= "{" ws ( string ws ":" ws value ws ( "," ws string ws ":" ws value ws )* )? "}"
            value ::= object | array | string | number | "true" | "false" | "null"
            array ::= "[" ws ( value ws ( "," ws value ws )* )? "]"
            string ::= "\\"" ( [^"\\\\\\x00-\\x1F\\x7F] | "\\\\" ( ["\\\\/bfnrt] | "u" hex hex hex hex ) )* "\\""
            hex ::= [0-9a-fA-F]
            integer ::= "-"? ( "0" | [1-9] [0-9]* )
            number ::= "-"? ( "0" | [1-9] [0-9]* ) ( "." [0-9]+ )? ( [eE] [-+]? [0-9]+ )?
            ws ::= [ \\t\\n]*
            """;

    private ToolCallGrammar() {
    }

    /**
     * Hermes/Qwen: an optional {@code <think>} block, free text that never opens a tag with {@code <t},
     * then {@code <tool_call>{"name": …, "arguments": {…}}</tool_call>} blocks, between
     * {@code minCalls} and {@code maxCalls} of them ({@code maxCalls} &lt; 0: any number).
     */
    public static String hermes(List<ToolSpec> tools, int minCalls, int maxCalls) {
        StringBuilder g = new StringBuilder();
        String text = minCalls > 0 ? "ws" : "content";
        g.append("root ::= think? ").append(text).append(' ').append(repeat("block", minCalls, maxCalls)).append('\n');
        g.append("think ::= \"<think>\" ( [^<] | \"<\" [^/] )* \"</think>\" ws\n");
        g.append("content ::= ( [^<] | \"<\" [^t<] )*\n");
        g.append("block ::= \"<tool_call>\" ws call ws \"</tool_call>\" ws\n");
        calls(g, tools, "arguments");
        return g.append(JSON_RULES).toString();
    }

    /**
     * Llama 3.1 JSON: either a plain answer (not starting with {@code {}, {@code [} or {@code <}) or
     * {@code <|python_tag|>} and {@code {"name": …, "parameters": {…}}} calls separated by {@code ;}.
     */
    public static String llama3Json(List<ToolSpec> tools, int minCalls, int maxCalls) {
        StringBuilder g = new StringBuilder();
        String calls = "\"<|python_tag|>\"? call" + (maxCalls == 1 ? "" : " ( ws \";\" ws call )*") + " ws";
        g.append("root ::= think? ").append(minCalls > 0 ? calls : "( " + calls + " | answer )").append('\n');
        g.append("think ::= \"<think>\" ( [^<] | \"<\" [^/] )* \"</think>\" ws\n");
        if (minCalls == 0) {
            g.append("answer ::= ( [^{\\[< \\t\\n] [^\\x00]* )?\n");
        }
        calls(g, tools, "parameters");
        return g.append(JSON_RULES).toString();
    }

    /**
     * ReAct: {@code Thought:} lines, then either {@code Action: <one of the tools>} with
     * {@code Action Input: {…}} (one action per turn; the engine stops at {@code Observation:}) or,
     * when calls are optional, {@code Final Answer: …}.
     */
    public static String react(List<ToolSpec> tools, int minCalls) {
        StringBuilder g = new StringBuilder();
        g.append("root ::= think? \"Thought:\" thought ").append(minCalls > 0 ? "action" : "( action | final )").append('\n');
        g.append("think ::= \"<think>\" ( [^<] | \"<\" [^/] )* \"</think>\" ws\n");
        // Thought text runs on until a line opens with the action or the final answer.
        g.append("thought ::= [^\\n]* \"\\n\" ( [^AF\\n] [^\\n]* \"\\n\" )*\n");
        g.append("final ::= \"Final Answer:\" [^\\x00]*\n");
        List<String> alternatives = new ArrayList<>();
        StringBuilder args = new StringBuilder();
        for (int i = 0; i < tools.size(); i++) {
            alternatives.add("act" + i);
            String schema = schema(WireJson.canonical(tools.get(i).inputSchema()), "args" + i, args);
            g.append("act").append(i).append(" ::= ").append(literal(tools.get(i).name()))
                    .append(" ws \"\\n\" \"Action Input:\" ws ").append(schema).append(" ws\n");
        }
        g.append("action ::= \"Action:\" ws ( ").append(String.join(" | ", alternatives)).append(" )\n");
        g.append(args);
        return g.append(JSON_RULES).toString();
    }

    private static void calls(StringBuilder g, List<ToolSpec> tools, String argsKey) {
        List<String> alternatives = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            alternatives.add("call" + i);
        }
        g.append("call ::= ").append(String.join(" | ", alternatives)).append('\n');
        StringBuilder args = new StringBuilder();
        for (int i = 0; i < tools.size(); i++) {
            String schema = schema(WireJson.canonical(tools.get(i).inputSchema()), "args" + i, args);
            g.append("call").append(i).append(" ::= \"{\" ws \"\\\"name\\\"\" ws \":\" ws ")
                    .append(literal(WireJson.write(WireJson.NODES.textNode(tools.get(i).name()))))
                    .append(" ws \",\" ws \"\\\"").append(argsKey).append("\\\"\" ws \":\" ws ")
                    .append(schema).append(" ws \"}\"\n");
        }
        g.append(args);
    }

    /**
     * The grammar expression for a JSON schema; rules it needs are appended to {@code rules} under
     * names starting with {@code name}. Falls back to any object/value for what it does not model.
     */
    private static String schema(JsonNode s, String name, StringBuilder rules) {
        if (s.has("const")) {
            return literal(WireJson.write(s.get("const")));
        }
        if (s.has("enum") && s.get("enum").isArray() && !s.get("enum").isEmpty()) {
            List<String> options = new ArrayList<>();
            s.get("enum").forEach(v -> options.add(literal(WireJson.write(v))));
            return "( " + String.join(" | ", options) + " )";
        }
        JsonNode type = s.get("type");
        if (type == null || !type.isTextual()) {
            return "value";
        }
        return switch (type.asText()) {
            case "string" -> "string";
            case "integer" -> "integer";
            case "number" -> "number";
            case "boolean" -> "( \"true\" | \"false\" )";
            case "null" -> "\"null\"";
            case "array" -> {
                String item = s.has("items") && s.get("items").isObject() ? schema(s.get("items"), name + "-item", rules) : "value";
                rules.append(name).append(" ::= \"[\" ws ( ").append(item).append(" ws ( \",\" ws ").append(item)
                        .append(" ws )* )? \"]\"\n");
                yield name;
            }
            case "object" -> closedObject(s, name, rules);
            default -> "value";
        };
    }

    /** A closed object with at least one required property: required ones in order, then the optional ones. */
    private static String closedObject(JsonNode s, String name, StringBuilder rules) {
        JsonNode props = s.get("properties");
        boolean closed = s.path("additionalProperties").isBoolean() && !s.get("additionalProperties").asBoolean();
        List<String> required = new ArrayList<>();
        s.path("required").forEach(r -> required.add(r.asText()));
        if (!closed || props == null || !props.isObject() || required.isEmpty()
                || !required.stream().allMatch(props::has)) {
            return "object";
        }
        StringBuilder body = new StringBuilder("\"{\" ws ");
        int k = 0;
        boolean first = true;
        for (String key : required) {
            body.append(first ? "" : "\",\" ws ").append(member(key, props.get(key), name + "-" + k++, rules)).append(" ws ");
            first = false;
        }
        for (var it = props.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!required.contains(key)) {
                body.append("( \",\" ws ").append(member(key, props.get(key), name + "-" + k++, rules)).append(" ws )? ");
            }
        }
        rules.append(name).append(" ::= ").append(body).append("\"}\"\n");
        return name;
    }

    private static String member(String key, JsonNode schema, String name, StringBuilder rules) {
        return literal(WireJson.write(WireJson.NODES.textNode(key))) + " ws \":\" ws " + schema(schema, name, rules);
    }

    private static String repeat(String rule, int min, int max) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < min; i++) {
            s.append(rule).append(' ');
        }
        if (max < 0) {
            s.append(rule).append('*');
        } else {
            for (int i = min; i < max; i++) {
                s.append(rule).append("? ");
            }
        }
        return s.toString().strip();
    }

    /** A GBNF string literal for exactly {@code s}. */
    static String literal(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
