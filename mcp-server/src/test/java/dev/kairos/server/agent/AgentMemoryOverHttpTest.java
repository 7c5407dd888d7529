package dev.kairos.server.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.inference.sim.SimScript;
import dev.kairos.server.testing.KairosProcess;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code agent_run} over Streamable HTTP with the agent's memory on and two bearer tokens: each run's user is its
 * token's principal (no argument names one), so what one user said is recalled for that user and never reaches
 * the other's prompt.
 */
class AgentMemoryOverHttpTest {
    private static final String PATH = "/v1/chat/completions";
    private static final String ALICE = "alice-secret-0123456789abcdef";
    private static final String BOB = "bob-secret-0123456789abcdefgh";
    private static final String PREFERENCE = "I prefer a window seat when I fly.";
    @TempDir
    Path dir;

    private static McpSyncClient client(String baseUrl, String secret) {
        var auth = HttpRequest.newBuilder().header("Authorization", "Bearer " + secret);
        McpSyncClient c = McpClient.sync(HttpClientStreamableHttpTransport.builder(baseUrl).endpoint("/mcp").requestBuilder(auth).build())
                .requestTimeout(Duration.ofMinutes(5)).build(); // the first run waits for embedded Neo4j on a loaded machine
        c.initialize();
        return c;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> run(McpSyncClient client, Map<String, Object> args) {
        CallToolResult r = client.callTool(CallToolRequest.builder().name("agent_run").arguments(args).build());
        assertNotEquals(Boolean.TRUE, r.isError(), ((TextContent) r.content().getFirst()).text());
        return (Map<String, Object>) r.structuredContent();
    }

    @Test
    void eachTokenRecallsOnlyItsOwnUsersMemory() throws Exception {
        try (EngineSimulator sim = new SimScript().text("Noted.").text("Booked for Bob.")
                .text("Booked, with your window seat.").start()) {
            Path config = dir.resolve("kairos.yaml");
            new ObjectMapper().writeValue(config.toFile(), Map.of(
                    "server", Map.of("tokens", List.of(
                            Map.of("name", "alice", "token", ALICE, "groups", List.of("alpha")),
                            Map.of("name", "bob", "token", BOB, "groups", List.of("beta")))),
                    "inference", Map.of("endpoints", List.of(Map.of("url", sim.url().toString(), "model", "m", "engine", "vllm",
                            "tool_protocol", "native"))),
                    // the engine simulator plays the agent only: no extraction of the kept exchanges
                    "memory", Map.of("extraction", Map.of("enabled", false)),
                    "agent", Map.of("memory", Map.of("enabled", true))));
            try (KairosProcess serve = KairosProcess.serve(Map.of("KAIROS_MEMORY_READY_TIMEOUT", "5m"), Duration.ofMinutes(3),
                    "--config", config.toString());
                 McpSyncClient alice = client(serve.baseUrl(), ALICE);
                 McpSyncClient bob = client(serve.baseUrl(), BOB)) {
                assertEquals("Noted.", run(alice, Map.of("task", PREFERENCE)).get("answer"));
                String ask = "Please book me a flight to Lisbon.";
                assertEquals("Booked for Bob.", run(bob, Map.of("task", ask)).get("answer"));
                // there is no argument to name a user: the call is refused before it reaches the engine
                CallToolResult named = bob.callTool(CallToolRequest.builder().name("agent_run")
                        .arguments(Map.of("task", ask, "user", "alice")).build());
                assertEquals(Boolean.TRUE, named.isError());
                assertTrue(((TextContent) named.content().getFirst()).text().contains("'user'"), named.toString());
                assertEquals(2, sim.received(PATH).size());
                assertEquals("Booked, with your window seat.", run(alice, Map.of("task", ask)).get("answer"));

                List<EngineSimulator.Received> turns = sim.received(PATH);
                assertEquals(3, turns.size());
                assertFalse(turns.get(1).body().contains("window seat"), "bob's prompt: " + turns.get(1).body());
                JsonNode messages = turns.get(2).json().path("messages");
                String last = messages.get(messages.size() - 1).path("content").asText();
                assertTrue(last.startsWith("[Recall]") && last.contains(PREFERENCE) && last.endsWith(ask),
                        "alice's own preference is recalled in a new conversation: " + last);
                assertFalse(last.contains("Booked for Bob"), "and none of bob's exchanges: " + last);
            }
        }
    }
}
