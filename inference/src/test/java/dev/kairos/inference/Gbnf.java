package dev.kairos.inference;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small GBNF recognizer for the tests: literals, character classes (ranges, negation, escapes),
 * groups, rule references, {@code | * + ?}. It answers whether a grammar accepts a whole text, so a
 * test can show that what a constrained engine may write is what our parser reads.
 */
final class Gbnf {
    private sealed interface Node permits Lit, Cls, Ref, Seq, Alt, Rep {
    }

    private record Lit(String text) implements Node {
    }

    private record Cls(boolean negated, List<int[]> ranges) implements Node {
        boolean matches(char c) {
            boolean in = ranges.stream().anyMatch(r -> c >= r[0] && c <= r[1]);
            return in != negated;
        }
    }

    private record Ref(String rule) implements Node {
    }

    private record Seq(List<Node> items) implements Node {
    }

    private record Alt(List<Node> options) implements Node {
    }

    private record Rep(Node inner, int min, boolean unbounded) implements Node {
    }

    private final Map<String, Node> rules = new HashMap<>();

    Gbnf(String grammar) {
        for (String line : grammar.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            int def = line.indexOf("::=");
            if (def < 0) {
                throw new IllegalArgumentException("not a rule: " + line);
            }
            String name = line.substring(0, def).strip();
            Parser p = new Parser(line.substring(def + 3));
            Node n = p.alt();
            p.skip();
            if (p.pos != p.s.length()) {
                throw new IllegalArgumentException("rule " + name + ": unexpected '" + p.s.substring(p.pos) + "'");
            }
            if (rules.put(name, n) != null) {
                throw new IllegalArgumentException("rule " + name + " defined twice");
            }
        }
        if (!rules.containsKey("root")) {
            throw new IllegalArgumentException("no root rule");
        }
        rules.values().forEach(this::checkRefs);
    }

    private void checkRefs(Node n) {
        switch (n) {
            case Ref r -> {
                if (!rules.containsKey(r.rule())) {
                    throw new IllegalArgumentException("undefined rule " + r.rule());
                }
            }
            case Seq s -> s.items().forEach(this::checkRefs);
            case Alt a -> a.options().forEach(this::checkRefs);
            case Rep r -> checkRefs(r.inner());
            default -> {
            }
        }
    }

    /** Whether the grammar's root accepts exactly {@code text}. */
    boolean accepts(String text) {
        return new Run(text).ends(rules.get("root"), 0).contains(text.length());
    }

    private final class Run {
        private final String text;
        private final Map<String, Set<Integer>> memo = new HashMap<>();

        Run(String text) {
            this.text = text;
        }

        Set<Integer> ends(Node n, int pos) {
            return switch (n) {
                case Lit l -> text.startsWith(l.text(), pos) ? Set.of(pos + l.text().length()) : Set.of();
                case Cls c -> pos < text.length() && c.matches(text.charAt(pos)) ? Set.of(pos + 1) : Set.of();
                case Ref r -> {
                    String key = r.rule() + "@" + pos;
                    Set<Integer> known = memo.get(key);
                    if (known == null) {
                        known = ends(rules.get(r.rule()), pos);
                        memo.put(key, known);
                    }
                    yield known;
                }
                case Seq s -> {
                    Set<Integer> at = Set.of(pos);
                    for (Node item : s.items()) {
                        Set<Integer> next = new HashSet<>();
                        for (int p : at) {
                            next.addAll(ends(item, p));
                        }
                        at = next;
                    }
                    yield at;
                }
                case Alt a -> {
                    Set<Integer> all = new HashSet<>();
                    a.options().forEach(o -> all.addAll(ends(o, pos)));
                    yield all;
                }
                case Rep r -> {
                    Set<Integer> result = new HashSet<>();
                    Set<Integer> frontier = Set.of(pos);
                    int count = 0;
                    if (r.min() == 0) {
                        result.add(pos);
                    }
                    while (!frontier.isEmpty() && (r.unbounded() || count < 1)) {
                        Set<Integer> next = new HashSet<>();
                        for (int p : frontier) {
                            for (int e : ends(r.inner(), p)) {
                                if (e != p) {
                                    next.add(e);
                                }
                            }
                        }
                        count++;
                        if (count >= r.min()) {
                            next.removeAll(result);
                            result.addAll(next);
                        }
                        frontier = next;
                    }
                    yield result;
                }
            };
        }
    }

    private static final class Parser {
        final String s;
        int pos;

        Parser(String s) {
            this.s = s;
        }

        void skip() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        Node alt() {
            List<Node> options = new ArrayList<>();
            options.add(seq());
            skip();
            while (pos < s.length() && s.charAt(pos) == '|') {
                pos++;
                options.add(seq());
                skip();
            }
            return options.size() == 1 ? options.getFirst() : new Alt(options);
        }

        Node seq() {
            List<Node> items = new ArrayList<>();
            while (true) {
                skip();
                if (pos >= s.length() || s.charAt(pos) == '|' || s.charAt(pos) == ')') {
                    return new Seq(items);
                }
                Node atom = atom();
                if (pos < s.length()) {
                    char c = s.charAt(pos);
                    if (c == '*') {
                        atom = new Rep(atom, 0, true);
                        pos++;
                    } else if (c == '+') {
                        atom = new Rep(atom, 1, true);
                        pos++;
                    } else if (c == '?') {
                        atom = new Rep(atom, 0, false);
                        pos++;
                    }
                }
                items.add(atom);
            }
        }

        Node atom() {
            char c = s.charAt(pos);
            if (c == '"') {
                pos++;
                StringBuilder b = new StringBuilder();
                while (s.charAt(pos) != '"') {
                    b.append(ch());
                }
                pos++;
                return new Lit(b.toString());
            }
            if (c == '[') {
                pos++;
                boolean negated = s.charAt(pos) == '^';
                if (negated) {
                    pos++;
                }
                List<int[]> ranges = new ArrayList<>();
                while (s.charAt(pos) != ']') {
                    char lo = ch();
                    char hi = lo;
                    if (s.charAt(pos) == '-' && s.charAt(pos + 1) != ']') {
                        pos++;
                        hi = ch();
                    }
                    ranges.add(new int[]{lo, hi});
                }
                pos++;
                return new Cls(negated, ranges);
            }
            if (c == '(') {
                pos++;
                Node inner = alt();
                skip();
                if (s.charAt(pos) != ')') {
                    throw new IllegalArgumentException("expected ')' at " + pos + " in " + s);
                }
                pos++;
                return inner;
            }
            int start = pos;
            while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '-' || s.charAt(pos) == '_')) {
                pos++;
            }
            if (start == pos) {
                throw new IllegalArgumentException("unexpected '" + c + "' at " + pos + " in " + s);
            }
            return new Ref(s.substring(start, pos));
        }

        /** One character of a literal or class, escapes decoded. */
        char ch() {
            char c = s.charAt(pos++);
            if (c != '\\') {
                return c;
            }
            char e = s.charAt(pos++);
            return switch (e) {
                case 'n' -> '\n';
                case 't' -> '\t';
                case 'r' -> '\r';
                case 'x' -> {
                    char v = (char) Integer.parseInt(s.substring(pos, pos + 2), 16);
                    pos += 2;
                    yield v;
                }
                default -> e;
            };
        }
    }
}
