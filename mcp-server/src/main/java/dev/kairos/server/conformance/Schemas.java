package dev.kairos.server.conformance;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small JSON Schema builders; insertion-ordered so listings read the way they are written. */
final class Schemas {
    private Schemas() {
    }

    static final Map<String, Object> NO_ARGUMENTS = object(Map.of());

    static Map<String, Object> object(Map<String, Object> properties, String... required) {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "object");
        schema.put("properties", properties);
        if (required.length > 0) {
            schema.put("required", List.of(required));
        }
        return schema;
    }

    static Map<String, Object> string(String description) {
        return ordered("type", "string", "description", description);
    }

    /** An ordered map from alternating keys and values. */
    static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
