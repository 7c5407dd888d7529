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
        List<String> answers = new CopyOnWriteArrayList<>(replies);
        connect(KairosProcess.NO_MEMORY, request -> answers.isEmpty() ? new ElicitResult(ElicitResult.Action.DECLINE, null)
                : new ElicitResult(ElicitResult.Action.ACCEPT, Map.of("reply", answers.removeFirst())));
    }

    /** {@code kairos mcp} with the simulator as its engine, this environment, and this answer to elicitations. */
    private void connect(Map<String, String> env, java.util.function.Function<ElicitFormRequest, ElicitResult> answer) throws Exception {
        Path config = dir.resolve("kairos.yaml");
        new ObjectMapper().writeValue(config.toFile(), Map.of("inference", Map.of("endpoints",
                List.of(Map.of("url", sim.url().toString(), "model", "m", "engine", "vllm")))));
        List<String> command = KairosProcess.command("mcp", "--config", config.toString());
        Map<String, String> environment = new java.util.HashMap<>(env);
        environment.put("KAIROS_DATA_DIR", dir.resolve("data").toString());
        environment.put("KAIROS_MEMORY_READY_TIMEOUT", "5m"); // embedded Neo4j can take over a minute on a loaded machine
        ServerParameters params = ServerParameters.builder(command.get(0)).args(command.subList(1, command.size()))
                .env(environment).build();
        StdioClientTransport transport = new StdioClientTransport(params, McpJsonDefaults.getMapper());
        transport.setStdErrorHandler(line -> { });
        client = McpClient.sync(transport).requestTimeout(Duration.ofMinutes(6)).initializationTimeout(Duration.ofSeconds(60))
                .capabilities(ClientCapabilities.builder().elicitation().build())
                .elicitation(request -> {
                    elicitations.add(request);
                    return answer.apply(request);
                })
                .progressConsumer(progress::add)
                .build();
        client.initialize();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> structured(CallToolResult r) {
        return (Map<String, Object>) r.structuredContent();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        return (List<Map<String, Object>>) o;
    }

    private static String text(CallToolResult r) {
        return ((TextContent) r.content().getFirst()).text();
    }

    @Test
    void destructiveMemoryCallsAreApprovedOrRefusedThroughElicitation() throws Exception {
        sim = new SimScript()
                .calls("memory_upsert_entity", "{\"name\":\"Scratch note\",\"group_id\":\"scratch\"}",
                        "memory_upsert_entity", "{\"name\":\"Keep note\",\"group_id\":\"keep\"}")
                // one turn: two destructive calls (one approved, one refused) beside a read-only one
                .calls("memory_clear_group", "{\"group_id\":\"scratch\"}",
                        "memory_clear_group", "{\"group_id\":\"keep\"}",
                        "memory_timeline", "{\"entity_name\":\"Keep note\",\"group_id\":\"keep\"}")
                .text("Scratch is cleared; keep stays.")
                .start();
        connect(Map.of(), request -> new ElicitResult(ElicitResult.Action.ACCEPT,
                Map.of("approve", request.message().contains("scratch"))));
        CallToolResult r = client.callTool(CallToolRequest.builder().name("agent_run")
                .arguments(Map.of("task", "Tidy up my notes")).build());
        Map<String, Object> s = structured(r);
        assertEquals("answered", s.get("termination"), String.valueOf(s));
        Map<String, String> outcomes = new java.util.LinkedHashMap<>();
        list(s.get("tool_calls")).forEach(c -> outcomes.put(c.get("name") + " " + c.get("arguments"), (String) c.get("outcome")));
        assertEquals("OK", outcomes.get("memory_upsert_entity {\"name\":\"Keep note\",\"group_id\":\"keep\"}"), outcomes.toString());
        assertEquals("OK", outcomes.get("memory_clear_group {\"group_id\":\"scratch\"}"), outcomes.toString());
        assertEquals("REFUSED", outcomes.get("memory_clear_group {\"group_id\":\"keep\"}"), outcomes.toString());
        assertEquals("OK", outcomes.get("memory_timeline {\"entity_name\":\"Keep note\",\"group_id\":\"keep\"}"), outcomes.toString());
        assertEquals(2, elicitations.size(), "only the destructive calls were asked about: " + elicitations);
        assertTrue(elicitations.stream().allMatch(e -> e.message().startsWith("Approve memory_clear_group")), elicitations.toString());
        List<Map<String, Object>> approvals = list(s.get("approvals"));
        assertEquals(2, approvals.size(), approvals.toString());
        assertTrue(approvals.stream().allMatch(a -> "mcp client".equals(a.get("by"))), approvals.toString());
        assertEquals(1, approvals.stream().filter(a -> Boolean.TRUE.equals(a.get("approved"))).count(), approvals.toString());

        // what the approved call did, and what the refused one did not, as the client itself sees the memory
        CallToolResult scratch = client.callTool(CallToolRequest.builder().name("memory_timeline")
                .arguments(Map.of("entity_name", "Scratch note", "group_id", "scratch")).build());
        assertEquals(Boolean.TRUE, scratch.isError(), "the scratch group was cleared: " + scratch.content());
        CallToolResult keep = client.callTool(CallToolRequest.builder().name("memory_timeline")
                .arguments(Map.of("entity_name", "Keep note", "group_id", "keep")).build());
        assertTrue(!Boolean.TRUE.equals(keep.isError()), "the keep group is still there: " + keep.content());
    }

    @Test
    void agentResumeContinuesAStoppedRunAndAgentRunsListsAndShowsIt() throws Exception {
        sim = new SimScript().raw("{\"delayFirstMs\": 120000, \"sse\": [\"[DONE]\"]}").text("Done after resuming.").start();
        connect(Map.of(), request -> new ElicitResult(ElicitResult.Action.DECLINE, null));
        // agent_runs waits for the store: the run's 3 s deadline is for its engine step, not for Neo4j's start
        Map<String, Object> none = structured(client.callTool(CallToolRequest.builder().name("agent_runs").arguments(Map.of()).build()));
        assertEquals(List.of(), none.get("runs"));
        CallToolResult first = client.callTool(CallToolRequest.builder().name("agent_run")
                .arguments(Map.of("task", "a slow task", "timeout_seconds", 3)).build());
        Map<String, Object> stopped = structured(first);
        assertEquals("deadline", stopped.get("termination"), "timeout_seconds overrode the deadline: " + stopped);
        String runId = (String) stopped.get("run_id");

        Map<String, Object> listed = structured(client.callTool(CallToolRequest.builder().name("agent_runs").arguments(Map.of()).build()));
        Map<String, Object> line = list(listed.get("runs")).stream().filter(x -> runId.equals(x.get("run_id"))).findFirst().orElseThrow();
        assertEquals("DEADLINE", line.get("status"));
        assertEquals("a slow task", line.get("task"));

        CallToolResult resumed = client.callTool(CallToolRequest.builder().name("agent_resume")
                .arguments(Map.of("run_id", runId, "timeout_seconds", 300)).progressToken("r-1").build());
        Map<String, Object> done = structured(resumed);
        assertEquals("answered", done.get("termination"), String.valueOf(done));
        assertEquals(runId, done.get("run_id"));
        assertEquals("Done after resuming.", done.get("answer"));
        assertTrue(progress.stream().anyMatch(p -> "r-1".equals(p.progressToken()) && "step 1".equals(p.message())), progress.toString());
        assertTrue(sim.received("/v1/chat/completions").get(1).body().contains("a slow task"), "the resumed step saw the task");

        Map<String, Object> shown = structured(client.callTool(CallToolRequest.builder().name("agent_runs")
                .arguments(Map.of("run_id", runId)).build()));
        assertEquals("answered", shown.get("status"));
        assertEquals("Done after resuming.", shown.get("answer"));

        CallToolResult unknown = client.callTool(CallToolRequest.builder().name("agent_resume").arguments(Map.of("run_id", "no-such-run")).build());
        assertEquals(Boolean.TRUE, unknown.isError());
        assertTrue(text(unknown).contains("no run 'no-such-run'"), text(unknown));
        CallToolResult badLimit = client.callTool(CallToolRequest.builder().name("agent_resume")
                .arguments(Map.of("run_id", runId, "max_steps", 0)).build());
        assertEquals(Boolean.TRUE, badLimit.isError());
        assertTrue(text(badLimit).contains("max_steps"), text(badLimit));
    }

    @Test
    void agentRunOverStreamableHttpReportsProgressAndUsesTheConfiguredServers() throws Exception {
        sim = new SimScript().calls("kairos_status", "{}").text("I could not check it.").start();
        List<String> cmd = KairosProcess.command("mcp");
        Path mcp = dir.resolve("servers.json");
        // Kairos itself as the downstream server, its status tool listed for confirmation
        new ObjectMapper().writeValue(mcp.toFile(), Map.of("mcpServers", Map.of("downstream", Map.of(
                "command", cmd.getFirst(), "args", cmd.subList(1, cmd.size()), "env", Map.of("KAIROS_MEMORY_MODE", "off"),
                "confirm", List.of("kairos_status")))));
        Path config = dir.resolve("kairos.yaml");
        new ObjectMapper().writeValue(config.toFile(), Map.of(
                "inference", Map.of("endpoints", List.of(Map.of("url", sim.url().toString(), "model", "m", "engine", "vllm"))),
                "tools", Map.of("mcp_config", mcp.toString(), "start_timeout", "3m")));  // a JVM start on a loaded machine
        try (KairosProcess serve = KairosProcess.serve(KairosProcess.NO_MEMORY, "--config", config.toString());
             McpSyncClient http = McpClient.sync(io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport
                             .builder(serve.baseUrl()).endpoint("/mcp").build())
                     .requestTimeout(Duration.ofMinutes(2)).progressConsumer(progress::add).build()) {
            http.initialize();
            CallToolResult r = http.callTool(CallToolRequest.builder().name("agent_run")
                    .arguments(Map.of("task", "Is Kairos up?")).progressToken("h-1").build());
            Map<String, Object> s = structured(r);
            assertEquals("answered", s.get("termination"), String.valueOf(s));
            assertEquals("I could not check it.", s.get("answer"));
            Map<String, Object> call = list(s.get("tool_calls")).getFirst();
            assertEquals("kairos_status", call.get("name"));
            assertEquals("REFUSED", call.get("outcome"), "it needs confirmation and this client cannot be asked: " + call);
            assertEquals("policy", list(s.get("approvals")).getFirst().get("by"));
            String tools = sim.received("/v1/chat/completions").getFirst().json().path("tools").toString();
            assertTrue(tools.contains("\"kairos_status\""), "the downstream server's tool was offered: " + tools);
            List<String> messages = progress.stream().filter(p -> "h-1".equals(p.progressToken())).map(ProgressNotification::message).toList();
            assertTrue(messages.containsAll(List.of("step 1", "step 2")), "progress came over HTTP: " + messages);

            String status = text(http.callTool(CallToolRequest.builder().name("kairos_status").arguments(Map.of()).build()));
            assertTrue(status.contains("1 of 1 MCP server(s) ready"), status);
        }
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

    @Test
    void aRevision2026ClientClosingItsConnectionStopsTheRunAndItsEngineStream() throws Exception {
        // Over HTTP the 2026-07-28 revision has no notifications/cancelled: the client closes the connection.
        sim = new SimScript().calls("lookup", "{\"q\":\"x\"}").raw("{\"delayFirstMs\": 120000, \"sse\": [\"[DONE]\"]}").start();
        Path config = dir.resolve("kairos.yaml");
        new ObjectMapper().writeValue(config.toFile(), Map.of("server", Map.of("keep_alive_interval", "300ms"),
                "inference", Map.of("endpoints", List.of(Map.of("url", sim.url().toString(), "model", "m", "engine", "vllm")))));
        try (KairosProcess serve = KairosProcess.serve(KairosProcess.NO_MEMORY, "--config", config.toString())) {
            java.net.URI u = java.net.URI.create(serve.baseUrl());
            byte[] body = ("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"agent_run\","
                    + "\"arguments\":{\"task\":\"look it up\"},\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
                    + "\"io.modelcontextprotocol/clientCapabilities\":{}}}}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            try (java.net.Socket socket = new java.net.Socket(u.getHost(), u.getPort())) {
                String head = "POST /mcp HTTP/1.1\r\nHost: " + u.getHost() + ":" + u.getPort()
                        + "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream"
                        + "\r\nMCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: agent_run"
                        + "\r\nContent-Length: " + body.length + "\r\n\r\n";
                socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                socket.getOutputStream().write(body);
                socket.getOutputStream().flush();
                // wait (bounded) until step 2 is in flight at the engine, which holds its answer for two minutes
                long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (sim.received("/v1/chat/completions").size() < 2 && System.nanoTime() < end) {
                    Thread.sleep(20);
                }
                assertEquals(2, sim.received("/v1/chat/completions").size(), "step 2's request reached the engine");
            }
            assertTrue(sim.awaitDisconnect(Duration.ofSeconds(15)), "closing the connection stopped the run and its engine stream");
        }
    }

    private static void send(java.io.OutputStream out, String line) throws java.io.IOException {
        out.write((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        out.flush();
    }
}
