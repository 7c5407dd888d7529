package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * MCP 2026-07-28's custom headers from tool parameters: a property of a tool's {@code inputSchema}
 * that carries {@code x-mcp-header: Name} has its argument mirrored into an {@code Mcp-Param-Name}
 * header on the {@code tools/call} POST, so intermediaries can route on it without reading the body.
 *
 * <p>{@link #read} checks the annotations by the revision's rules — a non-empty HTTP token, unique
 * ignoring case, on a {@code string}, {@code integer} or {@code boolean} property (not {@code number}),
 * reachable from the root through {@code properties} alone — and a tool that breaks any of them is
 * left out of the list (the revision's rule for HTTP clients). {@link #headers} turns one call's
 * arguments into the headers: a value that is absent or null gives no header; strings as they are,
 * integers in decimal, booleans as {@code true}/{@code false}, each in the Base64 sentinel when it is
 * not plain ASCII.
 */
public final class ParamHeaders {
    /** The schema keyword. */
    public static final String KEYWORD = "x-mcp-header";
    /** What comes before the annotation's name in the header's name. */
    public static final String PREFIX = "Mcp-Param-";

    /** Keywords whose value maps names to subschemas; only {@code properties} keeps a parameter statically reachable. */
    private static final Set<String> NAMED_SCHEMAS = Set.of("properties", "patternProperties", "$defs", "definitions",
            "dependentSchemas");
    /** Keywords whose value is one subschema. */
    private static final Set<String> ONE_SCHEMA = Set.of("items", "additionalProperties", "not", "if", "then", "else",
            "contains", "propertyNames", "unevaluatedItems", "unevaluatedProperties", "additionalItems");
    /** Keywords whose value is a list of subschemas. */
    private static final Set<String> SCHEMA_LISTS = Set.of("allOf", "anyOf", "oneOf", "prefixItems", "items");
    private static final Set<String> MIRRORED_TYPES = Set.of("string", "integer", "boolean");
    private static final String TCHAR_SYMBOLS = "!#$%&'*+-.^_`|~";

    private ParamHeaders() {
    }

    /** One annotated parameter: the chain of property names from the root, and the header's name part. */
    public record Param(List<String> path, String name) {
        /** The header's full name. */
        public String header() {
            return PREFIX + name;
        }
    }

    /** What a tool's {@code inputSchema} says about its headers. */
    public sealed interface Reading permits Valid, Invalid {
    }

    /** The annotations are valid; {@code params} may be empty. */
    public record Valid(List<Param> params) implements Reading {
    }

    /** An annotation breaks the revision's rules: the tool must not be offered. */
    public record Invalid(String reason) implements Reading {
    }

    private static final class Bad extends Exception {
        Bad(String message) {
            super(message, null, false, false);
        }
    }

    /** Reads and checks every {@code x-mcp-header} in {@code inputSchema} (null or not an object: none). */
    public static Reading read(JsonNode inputSchema) {
        List<Param> out = new ArrayList<>();
        try {
            walk(inputSchema, List.of(), "", out);
            Map<String, Param> seen = new HashMap<>();
            for (Param p : out) {
                Param before = seen.putIfAbsent(p.name().toLowerCase(Locale.ROOT), p);
                if (before != null) {
                    throw new Bad("x-mcp-header '" + p.name() + "' of property '" + String.join(".", p.path())
                            + "' repeats '" + before.name() + "' of property '" + String.join(".", before.path())
                            + "' (header names ignore case)");
                }
            }
        } catch (Bad e) {
            return new Invalid(e.getMessage());
        }
        return new Valid(List.copyOf(out));
    }

    /**
     * Walks a schema; {@code path} is the chain of property names that leads here through
     * {@code properties} alone, or null once any other keyword was crossed.
     */
    private static void walk(JsonNode schema, List<String> path, String where, List<Param> out) throws Bad {
        if (schema == null || !schema.isObject()) {
            return;
        }
        JsonNode h = schema.get(KEYWORD);
        if (h != null) {
            out.add(param(schema, h, path, where));
        }
        for (var it = schema.fields(); it.hasNext(); ) {
            var f = it.next();
            String key = f.getKey();
            JsonNode value = f.getValue();
            if (NAMED_SCHEMAS.contains(key) && value.isObject()) {
                for (var sub = value.fields(); sub.hasNext(); ) {
                    var e = sub.next();
                    List<String> next = null;
                    if ("properties".equals(key) && path != null) {
                        next = new ArrayList<>(path);
                        next.add(e.getKey());
                    }
                    walk(e.getValue(), next, where + "/" + key + "/" + e.getKey(), out);
                }
            } else if (ONE_SCHEMA.contains(key) && value.isObject()) {
                walk(value, null, where + "/" + key, out);
            } else if (SCHEMA_LISTS.contains(key) && value.isArray()) {
                for (int i = 0; i < value.size(); i++) {
                    walk(value.get(i), null, where + "/" + key + "/" + i, out);
                }
            }
            // other keywords hold data (enum, const, default, examples): an x-mcp-header key there is not an annotation
        }
    }

    private static Param param(JsonNode schema, JsonNode h, List<String> path, String where) throws Bad {
        if (path == null || path.isEmpty()) {
            throw new Bad("x-mcp-header at '" + (where.isEmpty() ? "/" : where) + "' is not on a property reachable from the"
                    + " root through properties alone");
        }
        String property = String.join(".", path);
        if (!h.isTextual()) {
            throw new Bad("x-mcp-header of property '" + property + "' is not a string");
        }
        String name = h.asText();
        if (name.isEmpty()) {
            throw new Bad("x-mcp-header of property '" + property + "' is empty");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || TCHAR_SYMBOLS.indexOf(c) >= 0;
            if (!tchar) {
                throw new Bad("x-mcp-header '" + printable(name) + "' of property '" + property
                        + "' is not an HTTP header name (character " + printable(String.valueOf(c)) + ")");
            }
        }
        JsonNode type = schema.get("type");
        boolean primitive;
        if (type != null && type.isTextual()) {
            primitive = MIRRORED_TYPES.contains(type.asText());
        } else if (type != null && type.isArray() && !type.isEmpty()) {
            // a nullable primitive (["string", "null"]): a null argument just gives no header
            boolean some = false;
            boolean others = false;
            for (JsonNode t : type) {
                some |= MIRRORED_TYPES.contains(t.asText());
                others |= !MIRRORED_TYPES.contains(t.asText()) && !"null".equals(t.asText());
            }
            primitive = some && !others;
        } else {
            primitive = false;
        }
        if (!primitive) {
            throw new Bad("x-mcp-header '" + name + "' is on property '" + property + "' of type "
                    + (type == null ? "(none)" : type.isTextual() ? type.asText() : type.toString())
                    + "; only string, integer and boolean parameters may be mirrored into headers");
        }
        return new Param(List.copyOf(path), name);
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }

    /** The {@code Mcp-Param-*} headers for one call's arguments (in the order of the annotations). */
    public static Map<String, String> headers(List<Param> params, JsonNode arguments) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Param p : params) {
            String text = text(valueAt(p, arguments));
            if (text != null) {
                out.put(p.header(), encode(text));
            }
        }
        return out;
    }

    /** The argument at the parameter's path; null when there is none. */
    static JsonNode valueAt(Param p, JsonNode arguments) {
        JsonNode v = arguments;
        for (String key : p.path()) {
            v = v == null || !v.isObject() ? null : v.get(key);
        }
        return v;
    }

    /**
     * Why a request's {@code Mcp-Param-*} headers disagree with its arguments, or null when they agree
     * (the server's side of the rule): a value in the body needs its header, equal after decoding the
     * Base64 sentinel (strictly: bad padding or characters are refused), integers compared as numbers;
     * a header value must hold only visible ASCII, space and tab. {@code header} looks a header up by name.
     */
    public static String mismatch(List<Param> params, JsonNode arguments, java.util.function.Function<String, String> header) {
        for (Param p : params) {
            String raw = header.apply(p.header());
            if (raw != null && !raw.chars().allMatch(c -> c == '\t' || (c >= 0x20 && c <= 0x7e))) {
                return "Header mismatch: the " + p.header() + " header holds characters a header value may not";
            }
            JsonNode v = valueAt(p, arguments);
            String expected = text(v);
            if (expected == null) {
                continue; // no value in the body: no header is expected
            }
            if (raw == null) {
                return "Header mismatch: the " + p.header() + " header is missing; the body has '"
                        + String.join(".", p.path()) + "'";
            }
            String got = decode(raw.strip());
            if (got == null) {
                return "Header mismatch: the " + p.header() + " header is not valid Base64";
            }
            boolean same;
            if (v.isNumber()) {
                try {
                    same = new BigDecimal(got).compareTo(v.decimalValue()) == 0;
                } catch (NumberFormatException e) {
                    same = false;
                }
            } else {
                same = got.equals(expected);
            }
            if (!same) {
                return "Header mismatch: " + p.header() + " header value '" + got + "' does not match body value '" + expected + "'";
            }
        }
        return null;
    }

    /** A header value as the revision carries it: plain when safe ASCII, else in its Base64 sentinel ({@code =?base64?...?=}). */
    static String encode(String v) {
        boolean plain = !v.isEmpty() && !Character.isWhitespace(v.charAt(0)) && !Character.isWhitespace(v.charAt(v.length() - 1))
                && v.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)
                && !(v.startsWith("=?base64?") && v.endsWith("?="));
        return plain ? v : "=?base64?" + java.util.Base64.getEncoder().encodeToString(v.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "?=";
    }

    /** A header value read back: the Base64 sentinel decoded (strictly), any other value as it is; null for a sentinel that is not valid Base64. */
    static String decode(String v) {
        if (!(v.startsWith("=?base64?") && v.endsWith("?=") && v.length() >= 11)) {
            return v;
        }
        String s = v.substring(9, v.length() - 2);
        if (s.length() % 4 != 0 || !s.matches("[A-Za-z0-9+/]*={0,2}")) {
            return null;
        }
        try {
            return new String(java.util.Base64.getDecoder().decode(s), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A value's text by the revision's conversion; null for no value (absent or null) and for objects and arrays. */
    private static String text(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode() || v.isContainerNode()) {
            return null;
        }
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isBoolean()) {
            return v.booleanValue() ? "true" : "false";
        }
        if (v.isNumber()) {
            BigDecimal d = v.decimalValue().stripTrailingZeros();
            // an integer written as 42.0 is still 42
            return d.scale() <= 0 ? d.toBigIntegerExact().toString() : d.toPlainString();
        }
        return v.asText();
    }
}
