package dev.kairos.server.memory;

import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryInputException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tool call's arguments, read with the checks every tool shares; each problem throws
 * {@link MemoryInputException} naming the argument (with its path inside arrays, e.g. {@code entities[2].name}).
 */
final class Args {
    private final Map<String, Object> values;
    private final String path;

    Args(Map<String, Object> values) {
        this(values == null ? Map.of() : values, "");
    }

    private Args(Map<String, Object> values, String path) {
        this.values = values;
        this.path = path;
    }

    String field(String name) {
        return path + name;
    }

    boolean has(String name) {
        return values.get(name) != null;
    }

    /** A required, non-blank string. */
    String text(String name) {
        Object raw = values.get(name);
        String v = optText(name);
        if (v == null) {
            throw new MemoryInputException(field(name), raw == null ? "is required"
                    : "must not be empty (it has no visible characters)");
        }
        return v;
    }

    /** A required string that may be empty (server-memory accepts empty queries and names as given). */
    String string(String name) {
        Object v = values.get(name);
        if (v == null) {
            throw new MemoryInputException(field(name), "is required");
        }
        if (!(v instanceof String s)) {
            throw new MemoryInputException(field(name), "must be a string, was " + kind(v));
        }
        return s;
    }

    /** An optional string; blank is treated as absent. */
    String optText(String name) {
        Object v = values.get(name);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new MemoryInputException(field(name), "must be a string, was " + kind(v));
        }
        return MemoryInput.blank(s) ? null : s;
    }

    int integer(String name, int defaultValue, int min, int max) {
        Object v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        long n;
        if (v instanceof Number num && num.doubleValue() == Math.rint(num.doubleValue())) {
            n = num.longValue();
        } else {
            throw new MemoryInputException(field(name), "must be an integer, was " + kind(v));
        }
        if (n < min || n > max) {
            throw new MemoryInputException(field(name), "must be between " + min + " and " + max + ", was " + n);
        }
        return (int) n;
    }

    boolean bool(String name, boolean defaultValue) {
        Object v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new MemoryInputException(field(name), "must be true or false, was " + kind(v));
    }

    /** An optional ISO-8601 date or date-time (no zone: UTC); impossible dates are refused. */
    Instant instant(String name) {
        return MemoryInput.instant(field(name), optText(name));
    }

    /** An optional list of strings; absent gives an empty list. */
    List<String> strings(String name) {
        Object v = values.get(name);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> list)) {
            throw new MemoryInputException(field(name), "must be an array of strings, was " + kind(v));
        }
        List<String> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof String s)) {
                throw new MemoryInputException(field(name) + "[" + i + "]", "must be a string, was " + kind(list.get(i)));
            }
            out.add(s);
        }
        return out;
    }

    /** A required array (possibly empty) of strings. */
    List<String> requiredStrings(String name) {
        if (values.get(name) == null) {
            throw new MemoryInputException(field(name), "is required");
        }
        return strings(name);
    }

    /** Graphiti's {@code group_ids}: one string or a list of strings; absent gives an empty list. */
    List<String> stringOrStrings(String name) {
        Object v = values.get(name);
        if (v instanceof String s) {
            return s.isBlank() ? List.of() : List.of(s);
        }
        return strings(name);
    }

    /** A required array of objects, each read with its index in the path. */
    List<Args> objects(String name) {
        Object v = values.get(name);
        if (v == null) {
            throw new MemoryInputException(field(name), "is required");
        }
        if (!(v instanceof List<?> list)) {
            throw new MemoryInputException(field(name), "must be an array, was " + kind(v));
        }
        List<Args> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String at = field(name) + "[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> m)) {
                throw new MemoryInputException(at, "must be an object, was " + kind(list.get(i)));
            }
            out.add(new Args(stringKeys(m), at + "."));
        }
        return out;
    }

    /** A required object, read with its name in the path. */
    Args object(String name) {
        Object v = values.get(name);
        if (v == null) {
            throw new MemoryInputException(field(name), "is required");
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new MemoryInputException(field(name), "must be an object, was " + kind(v));
        }
        return new Args(stringKeys(m), field(name) + ".");
    }

    /** An optional object of string values. */
    Map<String, String> stringMap(String name) {
        Object v = values.get(name);
        if (v == null) {
            return Map.of();
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new MemoryInputException(field(name), "must be an object, was " + kind(v));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new MemoryInputException(field(name) + "." + e.getKey(), "must be a string, was " + kind(e.getValue()));
            }
            out.put(String.valueOf(e.getKey()), s);
        }
        return out;
    }

    private static Map<String, Object> stringKeys(Map<?, ?> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }

    private static String kind(Object v) {
        return switch (v) {
            case null -> "null";
            case String s -> "a string";
            case Boolean b -> "a boolean";
            case Number n -> "a number";
            case List<?> l -> "an array";
            case Map<?, ?> m -> "an object";
            default -> v.getClass().getSimpleName();
        };
    }
}
