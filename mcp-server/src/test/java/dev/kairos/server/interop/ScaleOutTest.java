package dev.kairos.server.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.inference.sim.SimScript;
import dev.kairos.server.testing.HttpAnswers;
import dev.kairos.server.testing.KairosProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scale-out as an operator runs it: two {@code kairos serve} instances on one Neo4j (external mode;
 * a third Kairos's embedded store, reached over Bolt with its password, stands in for a Neo4j server),
 * behind a real HAProxy with round robin, health checks on {@code /health} and stickiness on
 * {@code Mcp-Session-Id} for the session revisions (the configuration of {@code examples/deploy/}).
 * An agent run started as an MCP task on one instance is finished by the other after the first is
 * killed (the engine is the simulator).
 */
class ScaleOutTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String V = "2026-07-28";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void twoInstancesBehindHaproxyShareTheMemoryKeepSessionsAndSurviveOneBeingKilled(@TempDir Path dir) throws Exception {
        Path haproxyBinary = NodeTools.haproxy();
        Path store = dir.resolve("store");
        // the agent's engine: step 1 writes a note, step 2 hangs until its instance is killed, the step after answers
        try (EngineSimulator sim = new SimScript()
                .calls("memory_upsert_entity", "{\"name\":\"Takeover note\",\"group_id\":\"takeover\"}")
                .raw("{\"delayFirstMs\": 120000, \"sse\": [\"[DONE]\"]}")
                .text("Done after the takeover.").start();
             KairosProcess owner = KairosProcess.serve(Map.of("KAIROS_DATA_DIR", store.toString()))) {
            Path engines = dir.resolve("kairos.yaml");
            JSON.writeValue(engines.toFile(), Map.of("inference", Map.of("endpoints",
                    List.of(Map.of("url", sim.url().toString(), "model", "m", "engine", "vllm")))));
            awaitMemoryReady(owner.baseUrl());
            String bolt = JSON.readTree(store.resolve("neo4j/kairos-owner.json").toFile()).get("bolt_uri").asText();
            String password = Files.readString(store.resolve("neo4j/kairos-bolt-password")).strip();
            Map<String, String> external = Map.of(
                    "KAIROS_MEMORY_MODE", "external", "KAIROS_MEMORY_URI", bolt, "KAIROS_MEMORY_USER", "neo4j",
                    "KAIROS_MEMORY_PASSWORD_ENV", "STORE_PASSWORD", "STORE_PASSWORD", password,
                    "KAIROS_REQUEST_STATE_KEY", "a-shared-key-for-both-instances");
            try (KairosProcess one = KairosProcess.serve(external, "--config", engines.toString());
                 KairosProcess two = KairosProcess.serve(external, "--config", engines.toString())) {
                awaitMemoryReady(one.baseUrl());
                awaitMemoryReady(two.baseUrl());
                int port = freePort();
                Path config = dir.resolve("haproxy.cfg");
                String template = Files.readString(Path.of(System.getProperty("kairos.interop.dir", "../interop"))
                        .resolveSibling("examples/deploy/haproxy.cfg"));
                Files.writeString(config, template
                        .replace("bind 127.0.0.1:8700", "bind 127.0.0.1:" + port)
                        .replace("server kairos1 127.0.0.1:8701", "server kairos1 " + hostPort(one.baseUrl()))
                        .replace("server kairos2 127.0.0.1:8702", "server kairos2 " + hostPort(two.baseUrl())));
                Process haproxy = new ProcessBuilder(haproxyBinary.toString(), "-db", "-f", config.toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
                try {
                    String lb = "http://127.0.0.1:" + port + "/mcp";
                    awaitBothUp(lb, dir.resolve("haproxy.log"));

                    // stateless requests land on both instances and see the same memory
                    Set<String> served = new HashSet<>();
                    List<String> acknowledged = new ArrayList<>();
                    for (int i = 0; i < 6; i++) {
                        Answer a = addEpisode(lb, "The harbour ferry " + i + " leaves at seven");
                        assertEquals(200, a.status(), a.body().toString());
                        served.add(a.instance());
                        acknowledged.add(a.uuid());
                    }
                    assertEquals(Set.of("kairos1", "kairos2"), served, "round robin reaches both instances");
                    for (String uuid : acknowledged) {
                        Answer read = readEpisode(lb, uuid);
                        assertEquals(200, read.status(), read.body().toString());
                        assertTrue(read.body().toString().contains("harbour ferry"), read.body().toString());
                    }

                    // a 2025-11-25 session stays on the instance that opened it
                    HttpResponse<String> init = post(lb, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
                            + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}", Map.of());
                    assertEquals(200, init.statusCode(), init.body());
                    String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
                    String home = init.headers().firstValue("X-Kairos-Instance").orElseThrow();
                    post(lb, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
                            Map.of("Mcp-Session-Id", session, "MCP-Protocol-Version", "2025-11-25"));
                    for (int i = 0; i < 6; i++) {
                        HttpResponse<String> r = post(lb, "{\"jsonrpc\":\"2.0\",\"id\":" + (10 + i) + ",\"method\":\"tools/list\"}",
                                Map.of("Mcp-Session-Id", session, "MCP-Protocol-Version", "2025-11-25"));
                        assertEquals(200, r.statusCode(), "call " + i + " of the session: " + r.body());
                        assertEquals(home, r.headers().firstValue("X-Kairos-Instance").orElse(""));
                    }

                    // an agent run as a task: it runs on the instance that took the call, which is killed mid-run
                    ObjectNode run = JSON.createObjectNode();
                    run.put("name", "agent_run");
                    run.putObject("arguments").put("task", "Write the takeover note, then report.").put("timeout_seconds", 600);
                    Answer created = stateless(lb, "tools/call", "agent_run", run, true);
                    assertEquals("task", created.body().at("/result/resultType").asText(), created.body().toString());
                    String taskId = created.body().at("/result/taskId").asText();
                    awaitEngineCalls(sim, 2, lb, taskId); // step 1 done (its checkpoint saved), step 2 waits on the engine
                    Answer working = taskGet(lb, taskId);
                    assertEquals("working", working.body().at("/result/status").asText(), working.body().toString());

                    // one instance killed mid-traffic: the other keeps answering, nothing acknowledged is lost
                    KairosProcess victim = created.instance().equals("kairos1") ? one : two;
                    int failed = 0;
                    for (int i = 0; i < 12; i++) {
                        if (i == 4) {
                            victim.process().destroyForcibly();
                        }
                        Answer a = addEpisode(lb, "Ferry timetable note " + i);
                        if (a.status() == 200 && a.uuid() != null) {
                            acknowledged.add(a.uuid());
                        } else {
                            failed++; // a request in flight on the killed instance may fail; it was never acknowledged
                        }
                    }
                    assertTrue(failed <= 2, failed + " requests failed after the kill; HAProxy should route around it");

                    // the survivor takes the task over (its lease lapsed) and resumes the run from its checkpoint
                    JsonNode done = awaitTerminal(lb, taskId);
                    assertEquals("completed", done.path("status").asText(), done.toString());
                    JsonNode result = done.path("result").path("structuredContent");
                    assertEquals("Done after the takeover.", result.path("answer").asText(), done.toString());
                    assertTrue(result.path("tool_calls").toString().contains("memory_upsert_entity"),
                            "resumed from step 1's checkpoint, not started over: " + result);
                    assertEquals(3, sim.received("/v1/chat/completions").size(), "step 1, the killed step 2, and its retry");
                    for (String uuid : acknowledged) {
                        Answer read = readEpisode(lb, uuid);
                        assertEquals(200, read.status(), "acknowledged episode " + uuid + " lost: " + read.body());
                        assertTrue(!read.body().has("error"), read.body().toString());
                    }
                } finally {
                    haproxy.destroy();
                    haproxy.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    private record Answer(int status, String instance, JsonNode body) {
        String uuid() {
            JsonNode u = body.at("/result/structuredContent/episode/uuid");
            return u.isTextual() ? u.asText() : null;
        }
    }

    private Answer addEpisode(String lb, String content) throws Exception {
        ObjectNode args = JSON.createObjectNode();
        args.put("content", content);
        args.put("uuid", UUID.randomUUID().toString());
        ObjectNode params = JSON.createObjectNode();
        params.put("name", "memory_add_episode");
        params.set("arguments", args);
        return stateless(lb, "tools/call", "memory_add_episode", params);
    }

    private Answer readEpisode(String lb, String uuid) throws Exception {
        ObjectNode params = JSON.createObjectNode();
        params.put("uri", "memory://episode/" + uuid);
        return stateless(lb, "resources/read", "memory://episode/" + uuid, params);
    }

    private Answer taskGet(String lb, String taskId) throws Exception {
        ObjectNode params = JSON.createObjectNode();
        params.put("taskId", taskId);
        return stateless(lb, "tasks/get", taskId, params, true);
    }

    private JsonNode awaitTerminal(String lb, String taskId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            Answer a = taskGet(lb, taskId);
            if (a.status() == 200) {
                last = a.body().path("result");
                if (Set.of("completed", "failed", "cancelled").contains(last.path("status").asText())) {
                    return last;
                }
            }
            TimeUnit.MILLISECONDS.sleep(500); // the task's poll interval, bounded above
        }
        throw new AssertionError("task " + taskId + " did not finish in 120 s; last: " + last);
    }

    private void awaitEngineCalls(EngineSimulator sim, int n, String lb, String taskId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        JsonNode task = null;
        while (sim.received("/v1/chat/completions").size() < n && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(500);
            task = taskGet(lb, taskId).body();
            if (Set.of("completed", "failed", "cancelled").contains(task.at("/result/status").asText())) {
                break; // it will not call the engine any more: say why
            }
        }
        assertTrue(sim.received("/v1/chat/completions").size() >= n, "the engine got " + n + " calls: " + sim.received()
                + "; the task: " + task);
    }

    private Answer stateless(String lb, String method, String name, ObjectNode params) throws Exception {
        return stateless(lb, method, name, params, false);
    }

    private Answer stateless(String lb, String method, String name, ObjectNode params, boolean tasks) throws Exception {
        ObjectNode meta = params.putObject("_meta");
        meta.put("io.modelcontextprotocol/protocolVersion", V);
        ObjectNode capabilities = meta.putObject("io.modelcontextprotocol/clientCapabilities");
        if (tasks) {
            capabilities.putObject("extensions").putObject("io.modelcontextprotocol/tasks");
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("jsonrpc", "2.0");
        body.put("id", 1);
        body.put("method", method);
        body.set("params", params);
        Map<String, String> headers = new HashMap<>(Map.of("MCP-Protocol-Version", V, "Mcp-Method", method));
        if (name != null) {
            headers.put("Mcp-Name", name);
        }
        HttpResponse<String> r;
        try {
            r = post(lb, body.toString(), headers);
        } catch (java.io.IOException e) {
            return new Answer(0, "", JSON.createObjectNode().put("error", e.toString()));
        }
        JsonNode json;
        try {
            json = HttpAnswers.response(r);
        } catch (java.io.IOException notJson) {
            json = null;
        }
        if (json == null) {
            json = JSON.createObjectNode().put("raw", r.body());
        }
        return new Answer(r.statusCode(), r.headers().firstValue("X-Kairos-Instance").orElse(""), json);
    }

    private HttpResponse<String> post(String url, String body, Map<String, String> headers) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream");
        headers.forEach(b::header);
        return http.send(b.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private void awaitBothUp(String lb, Path log) throws Exception {
        // HAProxy marks a server up after its first good health check; until then it may answer 503
        Set<String> seen = new HashSet<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (seen.size() < 2 && System.nanoTime() < deadline) {
            ObjectNode params = JSON.createObjectNode();
            Answer a = stateless(lb, "server/discover", null, params);
            if (a.status() == 200) {
                seen.add(a.instance());
            } else {
                TimeUnit.MILLISECONDS.sleep(200);
            }
        }
        assertEquals(2, seen.size(), "both instances answer through HAProxy: " + seen + "\n" + Files.readString(log));
    }

    private void awaitMemoryReady(String baseUrl) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        String state = "";
        while (System.nanoTime() < deadline) {
            JsonNode health = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            for (JsonNode s : health.path("subsystems")) {
                if (s.path("name").asText().equals("memory")) {
                    state = s.path("state").asText();
                }
            }
            if (state.equals("ready")) {
                return;
            }
            assertTrue(!state.equals("failed"), health.toString());
            TimeUnit.MILLISECONDS.sleep(300); // another process's readiness, bounded above
        }
        throw new AssertionError("memory of " + baseUrl + " not ready in 180 s: " + state);
    }

    private static String hostPort(String baseUrl) {
        return URI.create(baseUrl).getAuthority();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
