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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Agent runs belong to the token that started them: two tokens over HTTP against a real {@code kairos serve}
 * (embedded memory, the engine simulator as engine) each see only their own runs and sessions, and another
 * token's run answers exactly like an unknown run id; the local CLI (the operator) sees every run and its owner.
 */
class AgentRunsTenancyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALICE = "alice-secret-0123456789";
    private static final String BOB = "bob-secret-0123456789ab";
    @TempDir
    Path dir;
    private EngineSimulator sim;

    @AfterEach
    void close() {
        if (sim != null) {
            sim.close();
        }
    }

    private static McpSyncClient client(String baseUrl, String secret) {
        HttpRequest.Builder auth = HttpRequest.newBuilder().header("Authorization", "Bearer " + secret);
        McpSyncClient c = McpClient.sync(HttpClientStreamableHttpTransport.builder(baseUrl).endpoint("/mcp").requestBuilder(auth).build())
                .requestTimeout(Duration.ofMinutes(6)).build(); // the first run waits for embedded Neo4j's start
        c.initialize();
        return c;
    }

    private static CallToolResult call(McpSyncClient c, String tool, Map<String, Object> args) {
        return c.callTool(CallToolRequest.builder().name(tool).arguments(args).build());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> structured(CallToolResult r) {
        return (Map<String, Object>) r.structuredContent();
    }

    @SuppressWarnings("unchecked")
    private static List<String> runIds(CallToolResult r) {
        return ((List<Map<String, Object>>) structured(r).get("runs")).stream().map(m -> (String) m.get("run_id")).toList();
    }

    private static String text(CallToolResult r) {
        return ((TextContent) r.content().getFirst()).text();
    }

    @Test
    void eachTokenSeesAndResumesOnlyItsOwnRunsAndTheOperatorSeesAll() throws Exception {
        sim = new SimScript().text("Alice's answer.").text("Bob's answer.").start();
        Path config = dir.resolve("kairos.yaml");
        JSON.writeValue(config.toFile(), Map.of(
                "inference", Map.of("endpoints", List.of(Map.of("url", sim.url().toString(), "model", "m", "engine", "vllm"))),
                "server", Map.of("tokens", List.of(
                        Map.of("name", "alice", "token", ALICE, "groups", List.of("alpha")),
                        Map.of("name", "bob", "token", BOB, "groups", List.of("beta"))))));
        Map<String, String> env = Map.of("KAIROS_DATA_DIR", dir.resolve("data").toString(), "KAIROS_MEMORY_READY_TIMEOUT", "5m");
        try (KairosProcess serve = KairosProcess.serve(env, Duration.ofMinutes(3), "--config", config.toString());
             McpSyncClient alice = client(serve.baseUrl(), ALICE);
             McpSyncClient bob = client(serve.baseUrl(), BOB)) {
            Map<String, Object> a = structured(call(alice, "agent_run", Map.of("task", "alice's secret plan", "session", "shared")));
            assertEquals("answered", a.get("termination"), String.valueOf(a));
            String aliceRun = (String) a.get("run_id");

            // bob: alice's run is not listed, and naming it reads exactly like naming no run at all
            assertEquals(List.of(), runIds(call(bob, "agent_runs", Map.of())));
            CallToolResult unknownShow = call(bob, "agent_runs", Map.of("run_id", "no-such-run"));
            CallToolResult show = call(bob, "agent_runs", Map.of("run_id", aliceRun));
            assertEquals(Boolean.TRUE, show.isError());
            assertEquals(text(unknownShow).replace("no-such-run", aliceRun), text(show));
            assertEquals(unknownShow.structuredContent(), show.structuredContent());
            CallToolResult unknownResume = call(bob, "agent_resume", Map.of("run_id", "no-such-run"));
            CallToolResult resume = call(bob, "agent_resume", Map.of("run_id", aliceRun));
            assertEquals(Boolean.TRUE, resume.isError());
            assertEquals(text(unknownResume).replace("no-such-run", aliceRun), text(resume));
            assertEquals(1, sim.received("/v1/chat/completions").size(), "bob's resume of alice's run reached no engine");

            // bob's session of the same name is his own conversation: nothing of alice's reaches the engine
            Map<String, Object> b = structured(call(bob, "agent_run", Map.of("task", "bob's question", "session", "shared")));
            assertEquals("answered", b.get("termination"), String.valueOf(b));
            String bobRun = (String) b.get("run_id");
            String bobPrompt = sim.received("/v1/chat/completions").get(1).body();
            assertTrue(bobPrompt.contains("bob's question"), bobPrompt);
            assertFalse(bobPrompt.contains("alice's secret plan") || bobPrompt.contains("Alice's answer"), bobPrompt);

            assertEquals(List.of(aliceRun), runIds(call(alice, "agent_runs", Map.of())));
            assertEquals(List.of(bobRun), runIds(call(bob, "agent_runs", Map.of())));
            Map<String, Object> own = structured(call(alice, "agent_runs", Map.of("run_id", aliceRun)));
            assertEquals("Alice's answer.", own.get("answer"), String.valueOf(own));
            CallToolResult aliceOnBob = call(alice, "agent_runs", Map.of("run_id", bobRun));
            assertEquals(text(call(alice, "agent_runs", Map.of("run_id", "no-such-run"))).replace("no-such-run", bobRun),
                    text(aliceOnBob));

            // the operator on this machine (the CLI, sharing the running server's store) sees both, with their owners
            ProcessBuilder pb = KairosProcess.builder("runs", "list", "--json");
            pb.environment().putAll(env);
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.redirectError(ProcessBuilder.Redirect.DISCARD);
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "kairos runs list ended");
            assertEquals(0, p.exitValue());
            Map<String, String> owners = new java.util.HashMap<>();
            for (JsonNode run : JSON.readTree(new String(out, StandardCharsets.UTF_8))) {
                owners.put(run.path("run_id").asText(), run.path("owner").asText());
            }
            assertEquals(Map.of(aliceRun, "alice", bobRun, "bob"), owners);
        }
    }
}
