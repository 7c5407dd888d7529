package dev.kairos.inference.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * GBNF grammars for the text tool-call protocols, so a constrained engine can only write output
 * that {@code TextToolCalls.parse} reads: a tool name from the list, arguments that are a JSON object.
 *
 * <p>The dialect is llama.cpp's GBNF, which xgrammar (vLLM {@code structured_outputs.grammar}, SGLang
 * {@code ebnf}) also reads: literals, character classes, groups, {@code | * + ?}, one rule per line.
 * Arguments are any JSON object; their schema is checked afterwards by the argument validator.
 */
public final class ToolCallGrammar {
    /** JSON values, after llama.cpp's {@code grammars/json.gbnf}. */
    private static final String JSON_RULES = """
            object ::= "{" ws ( string ws ":" ws value ws ( "," ws string ws ":" ws value ws )* )? "}"
            value ::= object | array | string | number | "true" | "false" | "null"
            array ::= "[" ws ( value ws ( "," ws value ws )* )? "]"
            string ::= "\\"" ( [^"\\\\\\x00-\\x1F\\x7F] | "\\\\" ( ["\\\\/bfnrt] | "u" hex hex hex hex ) )* "\\""
            hex ::= [0-9a-fA-F]
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
    public static String hermes(List<String> toolNames, int minCalls, int maxCalls) {
        StringBuilder g = new StringBuilder();
        String text = minCalls > 0 ? "ws" : "content";
        g.append("root ::= think? ").append(text).append(' ').append(repeat("block", minCalls, maxCalls)).append('\n');
        g.append("think ::= \"<think>\" ( [^<] | \"<\" [^/] )* \"</think>\" ws\n");
        g.append("content ::= ( [^<] | \"<\" [^t<] )*\n");
        g.append("block ::= \"<tool_call>\" ws call ws \"</tool_call>\" ws\n");
        calls(g, toolNames, "arguments");
        return g.append(JSON_RULES).toString();
    }

    /**
     * Llama 3.1 JSON: either a plain answer (not starting with {@code {}, {@code [} or {@code <}) or
     * {@code <|python_tag|>} and {@code {"name": …, "parameters": {…}}} calls separated by {@code ;}.
     */
    public static String llama3Json(List<String> toolNames, int minCalls, int maxCalls) {
        StringBuilder g = new StringBuilder();
        String calls = "\"<|python_tag|>\"? call" + (maxCalls == 1 ? "" : " ( ws \";\" ws call )*") + " ws";
        g.append("root ::= think? ").append(minCalls > 0 ? calls : "( " + calls + " | answer )").append('\n');
        g.append("think ::= \"<think>\" ( [^<] | \"<\" [^/] )* \"</think>\" ws\n");
        if (minCalls == 0) {
            g.append("answer ::= ( [^{\\[< \\t\\n] [^\\x00]* )?\n");
        }
        calls(g, toolNames, "parameters");
        return g.append(JSON_RULES).toString();
    }

    private static void calls(StringBuilder g, List<String> toolNames, String argsKey) {
        List<String> alternatives = new ArrayList<>();
        for (int i = 0; i < toolNames.size(); i++) {
            alternatives.add("call" + i);
        }
        g.append("call ::= ").append(String.join(" | ", alternatives)).append('\n');
        for (int i = 0; i < toolNames.size(); i++) {
            g.append("call").append(i).append(" ::= \"{\" ws \"\\\"name\\\"\" ws \":\" ws ")
                    .append(literal(Json.write(Json.NODES.textNode(toolNames.get(i)))))
                    .append(" ws \",\" ws \"\\\"").append(argsKey).append("\\\"\" ws \":\" ws object ws \"}\"\n");
        }
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
