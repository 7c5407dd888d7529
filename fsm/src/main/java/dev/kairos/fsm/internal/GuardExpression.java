package dev.kairos.fsm.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The guard language: a small, side-effect-free expression over the instance data. It is parsed into a tree and
 * interpreted; nothing in it can call code.
 *
 * <pre>
 * expr    := and ('||' and)*
 * and     := unary ('&amp;&amp;' unary)*
 * unary   := '!' unary | compare
 * compare := operand (('==' | '!=' | '&lt;' | '&lt;=' | '&gt;' | '&gt;=') operand)?
 * operand := number | 'text' | "text" | true | false | null | path | '(' expr ')'
 * path    := ('data' | 'slots' | 'event') ('.' name)*
 * </pre>
 */
public sealed interface GuardExpression {

    Set<String> ROOTS = Set.of("data", "slots", "event");

    /** A syntax error at a character offset of the expression text. */
    final class SyntaxError extends RuntimeException {
        private final int offset;

        SyntaxError(String message, int offset) {
            super(message);
            this.offset = offset;
        }

        public int offset() {
            return offset;
        }
    }

    /** Evaluates against {@code root}, an object with the fields {@code data}, {@code slots} and {@code event}. */
    JsonNode eval(JsonNode root);

    default boolean test(JsonNode root) {
        return truthy(eval(root));
    }

    /** Every path the expression reads, as lists of names starting with the root. */
    default List<List<String>> paths() {
        List<List<String>> out = new ArrayList<>();
        collectPaths(this, out);
        return out;
    }

    record Literal(JsonNode value) implements GuardExpression {
        public JsonNode eval(JsonNode root) { return value; }
    }

    record Path(List<String> names) implements GuardExpression {
        public JsonNode eval(JsonNode root) {
            JsonNode n = root;
            for (String name : names) {
                n = n == null ? null : n.get(name);
            }
            return n == null ? MissingNode.getInstance() : n;
        }
    }

    record Not(GuardExpression operand) implements GuardExpression {
        public JsonNode eval(JsonNode root) { return BooleanNode.valueOf(!operand.test(root)); }
    }

    record And(GuardExpression left, GuardExpression right) implements GuardExpression {
        public JsonNode eval(JsonNode root) { return BooleanNode.valueOf(left.test(root) && right.test(root)); }
    }

    record Or(GuardExpression left, GuardExpression right) implements GuardExpression {
        public JsonNode eval(JsonNode root) { return BooleanNode.valueOf(left.test(root) || right.test(root)); }
    }

    record Compare(String op, GuardExpression left, GuardExpression right) implements GuardExpression {
        public JsonNode eval(JsonNode root) {
            JsonNode a = normal(left.eval(root));
            JsonNode b = normal(right.eval(root));
            return BooleanNode.valueOf(switch (op) {
                case "==" -> same(a, b);
                case "!=" -> !same(a, b);
                default -> ordered(op, a, b);
            });
        }
    }

    /** Parses {@code text}, throwing {@link SyntaxError} with the offset of the first problem. */
    static GuardExpression parse(String text) {
        return new Parser(text).parseAll();
    }

    /** null, missing, false, 0 and "" are false; everything else is true. */
    static boolean truthy(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) return false;
        if (n.isBoolean()) return n.booleanValue();
        if (n.isNumber()) return n.decimalValue().signum() != 0;
        if (n.isTextual()) return !n.textValue().isEmpty();
        return true;
    }

    private static JsonNode normal(JsonNode n) {
        return n == null || n.isMissingNode() ? NullNode.getInstance() : n;
    }

    private static boolean same(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) return a.decimalValue().compareTo(b.decimalValue()) == 0;
        return a.equals(b);
    }

    // Ordering only between two numbers or two texts; anything else is simply false.
    private static boolean ordered(String op, JsonNode a, JsonNode b) {
        int c;
        if (a.isNumber() && b.isNumber()) c = a.decimalValue().compareTo(b.decimalValue());
        else if (a.isTextual() && b.isTextual()) c = a.textValue().compareTo(b.textValue());
        else return false;
        return switch (op) {
            case "<" -> c < 0;
            case "<=" -> c <= 0;
            case ">" -> c > 0;
            default -> c >= 0;
        };
    }

    private static void collectPaths(GuardExpression e, List<List<String>> out) {
        switch (e) {
            case Path p -> out.add(p.names());
            case Not n -> collectPaths(n.operand(), out);
            case And a -> { collectPaths(a.left(), out); collectPaths(a.right(), out); }
            case Or o -> { collectPaths(o.left(), out); collectPaths(o.right(), out); }
            case Compare c -> { collectPaths(c.left(), out); collectPaths(c.right(), out); }
            case Literal l -> { }
        }
    }

    /** Recursive descent over the text; keeps the offset for error messages. */
    final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s == null ? "" : s;
        }

        GuardExpression parseAll() {
            skip();
            if (i >= s.length()) throw new SyntaxError("empty guard expression", 0);
            GuardExpression e = or();
            skip();
            if (i < s.length()) throw new SyntaxError("unexpected '" + s.charAt(i) + "'", i);
            return e;
        }

        private GuardExpression or() {
            GuardExpression e = and();
            while (eat("||")) e = new Or(e, and());
            return e;
        }

        private GuardExpression and() {
            GuardExpression e = unary();
            while (eat("&&")) e = new And(e, unary());
            return e;
        }

        private GuardExpression unary() {
            skip();
            if (i < s.length() && s.charAt(i) == '!' && !s.startsWith("!=", i)) {
                i++;
                return new Not(unary());
            }
            return compare();
        }

        private GuardExpression compare() {
            GuardExpression left = operand();
            for (String op : List.of("==", "!=", "<=", ">=", "<", ">")) {
                if (eat(op)) return new Compare(op, left, operand());
            }
            return left;
        }

        private GuardExpression operand() {
            skip();
            if (i >= s.length()) throw new SyntaxError("expression ends too early", i);
            char c = s.charAt(i);
            int start = i;
            if (c == '(') {
                i++;
                GuardExpression e = or();
                if (!eat(")")) throw new SyntaxError("missing ')'", i);
                return e;
            }
            if (c == '\'' || c == '"') {
                int end = s.indexOf(c, i + 1);
                if (end < 0) throw new SyntaxError("unterminated text literal", start);
                i = end + 1;
                return new Literal(TextNode.valueOf(s.substring(start + 1, end)));
            }
            if (Character.isDigit(c) || (c == '-' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)))) {
                i++;
                while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
                try {
                    return new Literal(DecimalNode.valueOf(new BigDecimal(s.substring(start, i))));
                } catch (NumberFormatException e) {
                    throw new SyntaxError("bad number '" + s.substring(start, i) + "'", start);
                }
            }
            if (Character.isLetter(c) || c == '_') {
                List<String> names = new ArrayList<>();
                names.add(name());
                switch (names.getFirst()) {
                    case "true": return new Literal(BooleanNode.TRUE);
                    case "false": return new Literal(BooleanNode.FALSE);
                    case "null": return new Literal(NullNode.getInstance());
                    default:
                }
                if (!ROOTS.contains(names.getFirst())) {
                    throw new SyntaxError("unknown name '" + names.getFirst()
                            + "': paths start with data, slots or event", start);
                }
                while (i < s.length() && s.charAt(i) == '.') {
                    i++;
                    if (i >= s.length() || !(Character.isLetter(s.charAt(i)) || s.charAt(i) == '_')) {
                        throw new SyntaxError("expected a field name after '.'", i);
                    }
                    names.add(name());
                }
                return new Path(List.copyOf(names));
            }
            throw new SyntaxError("unexpected '" + c + "'", i);
        }

        private String name() {
            int start = i;
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) i++;
            return s.substring(start, i);
        }

        private boolean eat(String token) {
            skip();
            if (s.startsWith(token, i)) {
                i += token.length();
                return true;
            }
            return false;
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        }
    }
}
