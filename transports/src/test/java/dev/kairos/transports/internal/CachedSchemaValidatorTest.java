package dev.kairos.transports.internal;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Verdicts for tool arguments, and the valid content as text only where the SDK needs it (structured output). */
class CachedSchemaValidatorTest {
    private final Map<String, Object> input = Map.of("type", "object",
            "properties", Map.of("message", Map.of("type", "string")), "required", List.of("message"));
    private final Map<String, Object> output = Map.of("type", "object",
            "properties", Map.of("n", Map.of("type", "integer")));
    private final CachedSchemaValidator validator = new CachedSchemaValidator(List.of(input));

    @Test
    void argumentsGetAVerdictThatNamesTheField() {
        var ok = validator.validate(input, Map.of("message", "hi"));
        assertTrue(ok.valid());
        assertNull(ok.jsonStructuredOutput());
        var bad = validator.validate(input, Map.of("message", 5));
        assertFalse(bad.valid());
        assertTrue(bad.errorMessage().contains("message"), bad.errorMessage());
    }

    @Test
    void structuredOutputComesBackAsText() {
        var ok = validator.validate(output, Map.of("n", 3));
        assertTrue(ok.valid());
        assertEquals("{\"n\":3}", ok.jsonStructuredOutput());
        // an equal but distinct schema object is not mistaken for the input schema
        var copy = new java.util.HashMap<>(input);
        assertEquals("{\"message\":\"x\"}", validator.validate(copy, Map.of("message", "x")).jsonStructuredOutput());
    }
}
