package dev.kairos.inference;

import dev.kairos.inference.InferenceSettings.Endpoint;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Defaults and validation messages that name the key. */
class InferenceSettingsTest {

    @Test
    void defaults() {
        Endpoint e = Endpoint.of(URI.create("http://127.0.0.1:8080/v1"), "qwen");
        assertEquals(InferenceSettings.Provider.OPENAI, e.provider());
        assertEquals(InferenceSettings.Engine.AUTO, e.engine());
        assertEquals(InferenceSettings.Role.ANY, e.role());
        assertEquals(InferenceSettings.ToolProtocol.NATIVE, e.toolProtocol());
        assertEquals(4, e.parallelSlots());
        assertEquals("127.0.0.1:8080", e.name());
        assertEquals(InferenceSettings.Engine.OLLAMA, e.withProvider(InferenceSettings.Provider.OLLAMA).engine());
        assertTrue(InferenceSettings.defaults().endpoints().isEmpty());
    }

    @Test
    void badValuesNameTheirKey() {
        Endpoint ok = Endpoint.of(URI.create("http://h:1"), "m");
        assertMessage("url: must be http:// or https://", () -> Endpoint.of(URI.create("ftp://h/x"), "m"));
        assertMessage("model: is required", () -> Endpoint.of(URI.create("http://h:1"), " "));
        assertMessage("parallelSlots: must be in [1, 4096], was 0", () -> ok.withParallelSlots(0));
        assertMessage("timeouts.firstToken: must be a positive duration", () -> new InferenceSettings.Timeouts(
                Duration.ofSeconds(1), Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        assertMessage("retry.maxAttempts: must be >= 1", () -> new InferenceSettings.Retry(0, Duration.ofMillis(1), Duration.ofMillis(1)));
        assertMessage("inference.endpoints[1].name: duplicate name 'a'", () -> new InferenceSettings(
                List.of(ok.withName("a"), ok.withName("a")), null));
        assertMessage("inference.endpoints[2].parallelSlots", () -> InferenceSettings.endpoint(2, () -> ok.withParallelSlots(-1)));
        assertMessage("temperature: must be in [0.0, 2.0]", () -> Sampling.DEFAULTS.withTemperature(3));
        assertMessage("tool_choice: names 'nope'", () -> Fixtures.weatherAndTime().withToolChoice(ToolChoice.named("nope")));
        assertMessage("tool name 'bad name'", () -> new ToolSpec("bad name", "", null));
    }

    private static void assertMessage(String start, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().startsWith(start), "expected '" + start + "...' but was: " + x.getMessage());
    }
}
