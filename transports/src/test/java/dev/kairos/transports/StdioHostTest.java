package dev.kairos.transports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** At end of input every request already read is answered, even one still running. */
class StdioHostTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyRequestReadBeforeEofIsAnswered() throws Exception {
        TestFeatures features = new TestFeatures();
        String input = String.join("\n",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}",
                "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"slow\",\"arguments\":{}}}",
                "{\"jsonrpc\":\"2.0\",\"id\":\"four\",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"last\"}}}",
                "");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StdioHost host = new StdioHost(features.features(), new LiveServers(),
                new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out, Duration.ofSeconds(30));
        CompletableFuture<Boolean> ended = CompletableFuture.supplyAsync(() -> {
            try {
                return host.awaitEndOfInput();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(features.slowStarted.await(20, TimeUnit.SECONDS));
        features.slowRelease.countDown();
        assertTrue(ended.get(30, TimeUnit.SECONDS), "all answered");
        host.close();

        Set<String> ids = new HashSet<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode m = JSON.readTree(line);
            assertEquals("2.0", m.get("jsonrpc").asText(), "only protocol lines on stdout: " + line);
            if (m.has("id")) {
                ids.add(m.get("id").asText());
            }
        }
        assertEquals(Set.of("1", "2", "3", "four"), ids);
    }
}
