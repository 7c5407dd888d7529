package dev.kairos.inference.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.ToolCall;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Builds tool calls from streamed deltas, keyed by {@code index}.
 *
 * <p>Handles what the engines actually send: several entries for one index in one chunk (vLLM's
 * name entry then first fragment), whole calls in one chunk (Ollama), ids that are missing, repeated
 * or change on every delta (keep the first), a missing index (inferred from a new id), the same
 * index reused for a second call (SGLang #6310), arguments as a JSON object instead of a string
 * (Ollama), and {@code {}} followed by the full arguments. A call is reported complete as soon as
 * another index starts, and the rest at {@link #finish()}.
 */
public final class ToolCallAccumulator {
    private final Map<Integer, Partial> calls = new LinkedHashMap<>();
    private final Map<String, Integer> indexById = new HashMap<>();
    private final Map<Integer, Integer> byWireIndex = new HashMap<>();
    private final Consumer<ToolCall> onCompleted;
    private Integer current;
    private int nextFree;

    public ToolCallAccumulator(Consumer<ToolCall> onCompleted) {
        this.onCompleted = onCompleted;
    }

    /** One entry of an OpenAI {@code delta.tool_calls} array. */
    public void add(JsonNode entry) {
        JsonNode fn = entry.get("function");
        String id = nonEmpty(WireJson.text(entry, "id"));
        String name = fn == null ? null : nonEmpty(WireJson.text(fn, "name"));
        JsonNode args = fn == null ? null : fn.get("arguments");
        Integer wire = entry.hasNonNull("index") ? entry.get("index").asInt() : null;
        Integer index = wire != null ? byWireIndex.get(wire) : inferIndex(id);
        Partial p = index == null ? null : calls.get(index);
        if (p != null && name != null && p.name != null && p.hasCompleteArguments()
                && (id == null || !id.equals(p.id))) {
            // Same index, new name after a finished call: a second call under a wrong index (SGLang #6310).
            p = null;
            index = null;
        }
        if (index == null) {
            index = nextFree++;
        }
        if (wire != null) {
            byWireIndex.put(wire, index);
        }
        add(index, p, id, name, args);
    }

    /** A call that arrives whole (Ollama native): appended as a new call. */
    public void addWhole(String id, String name, JsonNode arguments) {
        add(nextFree++, null, nonEmpty(id), nonEmpty(name), arguments);
    }

    private void add(int index, Partial p, String id, String name, JsonNode args) {
        if (current != null && current != index) {
            complete(current);
        }
        if (p == null) {
            p = calls.computeIfAbsent(index, i -> new Partial());
        }
        current = index;
        if (p.completed) {
            // A fragment for a call already reported: no engine is known to do this; keep what was reported.
            return;
        }
        if (p.id == null && id != null) {
            p.id = id;
            indexById.putIfAbsent(id, index);
        }
        if (p.name == null && name != null) {
            p.name = name;
        }
        if (args != null && !args.isNull()) {
            if (args.isTextual()) {
                p.append(args.asText());
            } else {
                p.replace(WireJson.write(args));
            }
        }
    }

    /** No index on the wire: a known id finds its call, a new id starts one, no id continues the current one. */
    private Integer inferIndex(String id) {
        if (id != null) {
            Integer known = indexById.get(id);
            if (known != null) {
                return known;
            }
            Partial cur = current == null ? null : calls.get(current);
            if (cur == null || cur.id != null) {
                return null;
            }
        }
        return current;
    }

    private void complete(int index) {
        Partial p = calls.get(index);
        if (p != null && !p.completed && p.name != null) {
            p.completed = true;
            onCompleted.accept(p.toToolCall());
        }
    }

    /** Reports the calls not yet reported and returns all calls in index order. */
    public List<ToolCall> finish() {
        List<Integer> order = new ArrayList<>(calls.keySet());
        order.sort(Integer::compare);
        List<ToolCall> out = new ArrayList<>();
        for (int i : order) {
            complete(i);
            Partial p = calls.get(i);
            if (p.name != null) {
                out.add(p.toToolCall());
            }
        }
        current = null;
        return out;
    }

    public boolean isEmpty() {
        return calls.isEmpty();
    }

    private static String nonEmpty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static final class Partial {
        String id;
        String name;
        final StringBuilder arguments = new StringBuilder();
        boolean completed;
        ToolCall built;

        void append(String fragment) {
            if (fragment.isEmpty()) {
                return;
            }
            // "{}" and then the full arguments, or the whole arguments sent again: replace, not concatenate.
            if (looksWhole(fragment) && hasCompleteArguments()) {
                replace(fragment);
                return;
            }
            arguments.append(fragment);
        }

        void replace(String whole) {
            arguments.setLength(0);
            arguments.append(whole);
        }

        boolean hasCompleteArguments() {
            return looksWhole(arguments) && WireJson.tryParse(arguments.toString()) != null;
        }

        private static boolean looksWhole(CharSequence s) {
            int a = 0;
            int b = s.length() - 1;
            while (a <= b && Character.isWhitespace(s.charAt(a))) {
                a++;
            }
            while (b >= a && Character.isWhitespace(s.charAt(b))) {
                b--;
            }
            return b > a && s.charAt(a) == '{' && s.charAt(b) == '}';
        }

        ToolCall toToolCall() {
            if (built == null) {
                String args = arguments.toString().strip();
                built = new ToolCall(id != null ? id : "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24),
                        name, args.isEmpty() ? "{}" : WireJson.normalize(args));
            }
            return built;
        }
    }
}
