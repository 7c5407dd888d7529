package dev.kairos.inference.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the pythonic call list of Llama 3.2 small models, {@code [f(a=1), g(b="x")]}, as data:
 * only literals (strings, numbers, True/False/None, lists, dicts) are accepted; nothing is evaluated.
 */
public final class PythonicCalls {
    /** One call: the function name and its keyword arguments as a JSON object. */
    public record Call(String name, ObjectNode arguments) {
    }

    private final String s;
    private int i;

    private PythonicCalls(String s) {
        this.s = s;
    }

    /** The calls, or empty when the text is not a pythonic call list. */
    public static Optional<List<Call>> parse(String text) {
        String t = text.strip();
        if (!t.startsWith("[") || !t.endsWith("]")) {
            return Optional.empty();
        }
        try {
            PythonicCalls p = new PythonicCalls(t);
            List<Call> calls = p.list();
            p.ws();
            return p.i == t.length() && !calls.isEmpty() ? Optional.of(calls) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private List<Call> list() {
        expect('[');
        List<Call> calls = new ArrayList<>();
        ws();
        if (peek() == ']') {
            i++;
            return calls;
        }
        do {
            calls.add(call());
            ws();
        } while (eat(','));
        expect(']');
        return calls;
    }

    private Call call() {
        ws();
        String name = ident();
        expect('(');
        ObjectNode args = WireJson.NODES.objectNode();
        ws();
        if (!eat(')')) {
            do {
                ws();
                String key = ident();
                expect('=');
                args.set(key, value());
                ws();
            } while (eat(','));
            expect(')');
        }
        return new Call(name, args);
    }

    private JsonNode value() {
        ws();
        char c = peek();
        if (c == '"' || c == '\'') {
            return WireJson.NODES.textNode(string(c));
        }
        if (c == '[') {
            i++;
            ArrayNode a = WireJson.NODES.arrayNode();
            ws();
            if (!eat(']')) {
                do {
                    a.add(value());
                    ws();
                } while (eat(','));
                expect(']');
            }
            return a;
        }
        if (c == '{') {
            i++;
            ObjectNode o = WireJson.NODES.objectNode();
            ws();
            if (!eat('}')) {
                do {
                    ws();
                    char q = peek();
                    if (q != '"' && q != '\'') {
                        throw new IllegalArgumentException("dict key must be a string at " + i);
                    }
                    String k = string(q);
                    expect(':');
                    o.set(k, value());
                    ws();
                } while (eat(','));
                expect('}');
            }
            return o;
        }
        if (Character.isLetter(c)) {
            String w = ident();
            return switch (w) {
                case "True", "true" -> WireJson.NODES.booleanNode(true);
                case "False", "false" -> WireJson.NODES.booleanNode(false);
                case "None", "null" -> WireJson.NODES.nullNode();
                default -> throw new IllegalArgumentException("not a literal: " + w);
            };
        }
        int start = i;
        while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        String num = s.substring(start, i);
        if (num.isEmpty()) {
            throw new IllegalArgumentException("unexpected '" + c + "' at " + i);
        }
        return num.matches("[+-]?\\d+") ? WireJson.NODES.numberNode(Long.parseLong(num))
                : WireJson.NODES.numberNode(Double.parseDouble(num));
    }

    private String string(char quote) {
        i++;
        StringBuilder b = new StringBuilder();
        while (i < s.length() && s.charAt(i) != quote) {
            char c = s.charAt(i++);
            if (c == '\\' && i < s.length()) {
                char e = s.charAt(i++);
                b.append(switch (e) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> e;
                });
            } else {
                b.append(c);
            }
        }
        expect(quote);
        return b.toString();
    }

    private String ident() {
        ws();
        int start = i;
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_' || s.charAt(i) == '.')) {
            i++;
        }
        if (start == i) {
            throw new IllegalArgumentException("name expected at " + i);
        }
        return s.substring(start, i);
    }

    private void ws() {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
    }

    private char peek() {
        if (i >= s.length()) {
            throw new IllegalArgumentException("unexpected end");
        }
        return s.charAt(i);
    }

    private boolean eat(char c) {
        ws();
        if (i < s.length() && s.charAt(i) == c) {
            i++;
            return true;
        }
        return false;
    }

    private void expect(char c) {
        if (!eat(c)) {
            throw new IllegalArgumentException("'" + c + "' expected at " + i);
        }
    }
}
