package dev.kairos.server.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.inference.sim.EngineSimulator;
import dev.kairos.inference.sim.SimScript;
import dev.kairos.server.testing.HttpAnswers;
import dev.kairos.server.testing.KairosProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code agent_run} as an MCP task (2026-07-28, tasks extension) on a real {@code kairos serve} with
 * two tokens; the engine is the simulator. The run's approval of a destructive call is asked through
 * the task ({@code input_required}) and given with {@code tasks/update}; another token's client does not
 * see the task; {@code tasks/cancel} stops a run that waits on its engine, and the run records it.
 */
class AgentTaskTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String V = "2026-07-28";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void anAgentRunTaskAsksForApprovalThroughTasksUpdateIsPrivateToItsCallerAndStopsWhenCancelled(@TempDir Path dir) throws Exception {
        try (EngineSimulator sim = new SimScript()
                .calls("memory_upsert_entity", "{\"name\":\"Scratch note\",\"group_id\":\"scratch\"}")
                .calls("memory_clear_group", "{\"group_id\":\"scratch\"}")
                .text("Scratch is cleared.")
                .raw("{\"delayFirstMs\": 120000, \"sse\": [\"[DONE]\"]}")
                .start()) {
            Path config = dir.resolve("kairos.yaml");
            JSON.writeValue(config.toFile(), Map.of(
                    "inference", Map.of("endpoints", List.of(Map.of("url", sim.url().toString(), "model", "m", "engine", "vllm"))),
                    "server", Map.of("tokens", List.of(
                            Map.of("name", "alice", "token", "alice-secret-token-0123456789", "groups", List.of("scratch")),
                            Map.of("name", "bob", "token", "bob-secret-token-0123456789", "groups", List.of("other"))))));
            try (KairosProcess serve = KairosProcess.serve(Map.of("KAIROS_DATA_DIR", dir.resolve("data").toString(),
                    "KAIROS_MEMORY_READY_TIMEOUT", "5m"), "--config", config.toString())) {
                String mcp = serve.baseUrl() + "/mcp";
                String alice = "alice-secret-token-0123456789";
                String bob = "bob-secret-token-0123456789";

                JsonNode created = call(mcp, alice, "tools/call", "agent_run", JSON.createObjectNode().put("name", "agent_run")
                        .set("arguments", JSON.createObjectNode().put("task", "Note something in scratch, then clear it.")));
                assertEquals("task", created.path("resultType").asText(), created.toString());
                String taskId = created.path("taskId").asText();

                // the destructive call waits for approval: asked through the task
                JsonNode asking = awaitTask(mcp, alice, taskId, t -> !t.path("status").asText().equals("working"), 300);
                assertEquals("input_required", asking.path("status").asText(), asking.toString());
                var it = asking.path("inputRequests").fields();
                var question = it.next();
                assertEquals("elicitation/create", question.getValue().path("method").asText(), asking.toString());
                assertTrue(question.getValue().at("/params/message").asText().contains("memory_clear_group"), asking.toString());

                // bob's client does not see alice's task
                JsonNode foreign = raw(mcp, bob, "tasks/get", taskId, JSON.createObjectNode().put("taskId", taskId));
                assertEquals(-32602, foreign.at("/error/code").asInt(), foreign.toString());

                ObjectNode responses = JSON.createObjectNode();
                responses.putObject(question.getKey()).put("action", "accept").putObject("content").put("approve", true);
                JsonNode ack = call(mcp, alice, "tasks/update", taskId, JSON.createObjectNode().put("taskId", taskId)
                        .set("inputResponses", responses));
                assertEquals("complete", ack.path("resultType").asText(), ack.toString());

                JsonNode done = awaitTask(mcp, alice, taskId, t -> Set.of("completed", "failed", "cancelled").contains(t.path("status").asText()), 120);
                assertEquals("completed", done.path("status").asText(), done.toString());
                JsonNode result = done.path("result").path("structuredContent");
                assertEquals("Scratch is cleared.", result.path("answer").asText(), done.toString());
                JsonNode approval = result.at("/approvals/0");
                assertEquals("memory_clear_group", approval.path("tool").asText(), result.toString());
                assertTrue(approval.path("approved").asBoolean(), "approved through tasks/update: " + result);
                boolean cleared = false;
                for (JsonNode c : result.path("tool_calls")) {
                    cleared |= c.path("name").asText().equals("memory_clear_group") && c.path("outcome").asText().equals("OK");
                }
                assertTrue(cleared, "the approved call ran: " + result);
                assertTrue(done.path("statusMessage").asText().length() > 0, "progress shows in tasks/get: " + done);

                // a run that waits on its engine stops when its task is cancelled, and records it
                JsonNode second = call(mcp, alice, "tools/call", "agent_run", JSON.createObjectNode().put("name", "agent_run")
                        .set("arguments", JSON.createObjectNode().put("task", "Wait for the engine.")));
                String waiting = second.path("taskId").asText();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (sim.received("/v1/chat/completions").size() < 4 && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(100);
                }
                assertEquals(4, sim.received("/v1/chat/completions").size(), "the second run's step waits on the engine");
                JsonNode cancelAck = call(mcp, alice, "tasks/cancel", waiting, JSON.createObjectNode().put("taskId", waiting));
                assertEquals("complete", cancelAck.path("resultType").asText(), cancelAck.toString());
                assertEquals("cancelled", call(mcp, alice, "tasks/get", waiting, JSON.createObjectNode().put("taskId", waiting))
                        .path("status").asText());
                JsonNode runs = awaitRuns(mcp, alice, r -> r.path("status").asText().equalsIgnoreCase("cancelled"));
                assertEquals("Wait for the engine.", runs.path("task").asText(), runs.toString());
            }
        }
    }

    private JsonNode awaitRuns(String mcp, String token, Predicate<JsonNode> latest) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            JsonNode r = call(mcp, token, "tools/call", "agent_runs", JSON.createObjectNode().put("name", "agent_runs")
                    .set("arguments", JSON.createObjectNode().put("limit", 1)));
            last = r.at("/structuredContent/runs/0");
            if (latest.test(last)) {
                return last;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new AssertionError("the latest run never matched: " + last);
    }

    private JsonNode awaitTask(String mcp, String token, String taskId, Predicate<JsonNode> done, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = call(mcp, token, "tasks/get", taskId, JSON.createObjectNode().put("taskId", taskId));
            if (done.test(last)) {
                return last;
            }
            TimeUnit.MILLISECONDS.sleep(200); // the poll interval, bounded above
        }
        throw new AssertionError("task " + taskId + " never got there; last: " + last);
    }

    private JsonNode call(String mcp, String token, String method, String name, ObjectNode params) throws Exception {
        JsonNode body = raw(mcp, token, method, name, params);
        assertTrue(body.has("result"), method + ": " + body);
        return body.get("result");
    }

    private JsonNode raw(String mcp, String token, String method, String name, ObjectNode params) throws Exception {
        ObjectNode meta = params.putObject("_meta");
        meta.put("io.modelcontextprotocol/protocolVersion", V);
        ObjectNode caps = meta.putObject("io.modelcontextprotocol/clientCapabilities");
        caps.putObject("elicitation");
        caps.putObject("extensions").putObject("io.modelcontextprotocol/tasks");
        ObjectNode body = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", 1).put("method", method);
        body.set("params", params);
        HttpRequest request = HttpRequest.newBuilder(URI.create(mcp)).timeout(Duration.ofMinutes(6))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .header("Authorization", "Bearer " + token).header("MCP-Protocol-Version", V)
                .header("Mcp-Method", method).header("Mcp-Name", name)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        return HttpAnswers.response(http.send(request, HttpResponse.BodyHandlers.ofString()));
    }
}
