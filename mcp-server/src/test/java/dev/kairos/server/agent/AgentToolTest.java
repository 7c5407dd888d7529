package dev.kairos.server.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.inference.sim.SimScript;
import dev.kairos.server.testing.KairosProcess;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ClientCapabilities;
import io.modelcontextprotocol.spec.McpSchema.ElicitFormRequest;
import io.modelcontextprotocol.spec.McpSchema.ElicitResult;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code agent_run} on a real {@code kairos mcp} subprocess, driven by the Java SDK client; the engine is the simulator. */
class AgentToolTest {
    @TempDir
    Path dir;
    private EngineSimulator sim;
    private McpSyncClient client;
    private final List<ProgressNotification> progress = new CopyOnWriteArrayList<>();
    private final List<ElicitFormRequest> elicitations = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        if (client != null) {
            client.closeGracefully();
        }
        if (sim != null) {
            sim.close();
        }
    }

    private void connect(List<String> replies) throws Exception {
        Path config = dir.resolve("kairos.yaml");
        new ObjectMapper().writeValue(config.toFile(), Map.of("inference", Map.of("endpoints",
                List.of(Map.of("url", sim.url().toString(), "model", "m", "engine", "vllm")))));
        List<String> command = KairosProcess.command("mcp", "--config", config.toString());
        ServerParameters params = ServerParameters.builder(command.get(0)).args(command.subList(1, command.size()))
                .env(KairosProcess.NO_MEMORY).build();
        StdioClientTransport transport = new StdioClientTransport(params, McpJsonDefaults.getMapper());
        transport.setStdErrorHandler(line -> { });
        List<String> answers = new CopyOnWriteArrayList<>(replies);
        client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(60)).initializationTimeout(Duration.ofSeconds(60))
                .capabilities(ClientCapabilities.builder().elicitation().build())
                .elicitation(request -> {
                    elicitations.add(request);
                    if (answers.isEmpty()) {
                        return new ElicitResult(ElicitResult.Action.DECLINE, null);
                    }
                    return new ElicitResult(ElicitResult.Action.ACCEPT, Map.of("reply", answers.removeFirst()));
                })
                .progressConsumer(progress::add)
                .build();
        client.initialize();
    }

    @Test
    void agentRunReportsProgressPerStepAndReturnsTheJsonShape() throws Exception {
        sim = new SimScript().calls("lookup", "{\"q\":\"x\"}").text("Done without tools.").start();
        connect(List.of());
        assertTrue(client.listTools().tools().stream().anyMatch(t -> t.name().equals("agent_run")));
        CallToolResult r = client.callTool(CallToolRequest.builder().name("agent_run")
                .arguments(Map.of("task", "look something up")).progressToken("p-1").build());
        assertTrue(!Boolean.TRUE.equals(r.isError()), String.valueOf(r.content()));
        @SuppressWarnings("unchecked")
        Map<String, Object> s = (Map<String, Object>) r.structuredContent();
        assertEquals("answered", s.get("termination"));
        assertEquals("Done without tools.", s.get("answer"));
        assertEquals(2, ((Number) s.get("steps")).intValue());
        assertEquals("Done without tools.", ((TextContent) r.content().getFirst()).text());
        List<String> messages = progress.stream().map(ProgressNotification::message).toList();
        assertTrue(messages.containsAll(List.of("step 1", "step 2")), messages.toString());
        assertTrue(progress.stream().allMatch(p -> "p-1".equals(p.progressToken())));
    }

    @Test
    void askUserGoesToTheClientThroughElicitation() throws Exception {
        Path wf = Path.of("..", "examples", "workflows", "food-ordering.yaml").toAbsolutePath().normalize();
        sim = new SimScript()
                .calls("report_event", "{\"event\":\"order_intent\"}")
                .calls("ask_user", "{\"question\":\"Which cuisine?\"}")
                .calls("fill_slots", "{\"cuisine\":\"Sichuan\"}")
                .calls("ask_user", "{\"question\":\"How many people?\"}")
                .start();
        connect(List.of("Sichuan"));
        CallToolResult r = client.callTool(CallToolRequest.builder().name("agent_run")
                .arguments(Map.of("task", "I want to order food", "workflow", wf.toString())).build());
        @SuppressWarnings("unchecked")
        Map<String, Object> s = (Map<String, Object>) r.structuredContent();
        assertEquals("asked_user", s.get("termination"), String.valueOf(s));
        assertEquals("How many people?", s.get("answer"));
        assertEquals(List.of("Which cuisine?", "How many people?"), elicitations.stream().map(ElicitFormRequest::message).toList());
        assertTrue(String.valueOf(s.get("states")).contains("Collect_Headcount"), String.valueOf(s.get("states")));
        String third = sim.received("/v1/chat/completions").get(2).body();
        assertTrue(third.contains("Sichuan"), "the elicited reply reached the model as the user's message");
    }

    @Test
    void badArgumentsComeBackAsToolErrors() throws Exception {
        sim = new SimScript().text("unused").start();
        connect(List.of());
        CallToolResult r = client.callTool(CallToolRequest.builder().name("agent_run").arguments(Map.of("task", " ")).build());
        assertTrue(Boolean.TRUE.equals(r.isError()));
        assertTrue(((TextContent) r.content().getFirst()).text().contains("task"));
        CallToolResult w = client.callTool(CallToolRequest.builder().name("agent_run")
                .arguments(Map.of("task", "go", "workflow", "workflow: W\ninitial: A\nstates:\n  A:\n    transitions:\n      - target: Nowhere\n")).build());
        assertTrue(Boolean.TRUE.equals(w.isError()));
        assertTrue(((TextContent) w.content().getFirst()).text().contains("workflow:6"), String.valueOf(w.content()));
        assertTrue(sim.received("/v1/chat/completions").isEmpty());
    }

    @Test
    void notificationsCancelledStopsTheRunAndItsEngineStream() throws Exception {
        // The Java SDK 2.1 client cannot send notifications/cancelled, so this client speaks JSON-RPC itself.
        sim = new SimScript().calls("lookup", "{\"q\":\"x\"}").raw("{\"delayFirstMs\": 120000, \"sse\": [\"[DONE]\"]}").start();
        Path config = dir.resolve("kairos.yaml");
        new ObjectMapper().writeValue(config.toFile(), Map.of("inference", Map.of("endpoints",
                List.of(Map.of("url", sim.url().toString(), "model", "m", "engine", "vllm")))));
        ProcessBuilder pb = KairosProcess.builder("mcp", "--config", config.toString());
        pb.environment().putAll(KairosProcess.NO_MEMORY);
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        java.util.concurrent.BlockingQueue<com.fasterxml.jackson.databind.JsonNode> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        ObjectMapper json = new ObjectMapper();
        Thread.ofVirtual().start(() -> {
            try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(json.readTree(line));
                }
            } catch (Exception ignored) {
                // the process ended
            }
        });
        var stdin = p.getOutputStream();
        try {
            send(stdin, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
            send(stdin, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
            send(stdin, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"agent_run\","
                    + "\"arguments\":{\"task\":\"look it up\"},\"_meta\":{\"progressToken\":\"c-1\"}}}");
            // wait (bounded) until step 2 is in flight at the engine
            boolean step2 = false;
            long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!step2 && System.nanoTime() < end) {
                var m = lines.poll(1, java.util.concurrent.TimeUnit.SECONDS);
                step2 = m != null && "notifications/progress".equals(m.path("method").asText())
                        && "step 2".equals(m.path("params").path("message").asText());
            }
            assertTrue(step2, "progress for step 2 arrived");
            // progress for step 2 is sent before its request reaches the engine: cancel only once it has
            end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (sim.received("/v1/chat/completions").size() < 2 && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertEquals(2, sim.received("/v1/chat/completions").size(), "step 2's request reached the engine");
            send(stdin, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":7,\"reason\":\"stop\"}}");
            com.fasterxml.jackson.databind.JsonNode answer = null;
            end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (answer == null && System.nanoTime() < end) {
                var m = lines.poll(1, java.util.concurrent.TimeUnit.SECONDS);
                if (m != null && m.path("id").asInt() == 7) {
                    answer = m;
                }
            }
            assertTrue(answer != null, "the cancelled call was answered");
            assertEquals("cancelled", answer.at("/result/structuredContent/termination").asText(), answer.toString());
            assertTrue(sim.awaitDisconnect(Duration.ofSeconds(10)), "the engine stream of step 2 was closed");
        } finally {
            stdin.close();
            if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static void send(java.io.OutputStream out, String line) throws java.io.IOException {
        out.write((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        out.flush();
    }
}
