package dev.kairos.server.memory;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.server.testing.KairosProcess;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real {@code kairos serve} is killed with SIGKILL while an episode is being extracted (the engine simulator, its own
 * process, holds the answer back), then started again on the same store: every acknowledged episode is still there
 * and the pending ones, the interrupted one first, complete with their facts.
 */
class IngestionCrashTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GROUP = "crash";
    /** How long a kairos start may take on a loaded machine before the test gives up. */
    private static final Duration START = Duration.ofMinutes(3);

    @TempDir
    Path dir;

    /** The episodes and what the scripted model extracts from each, in the order the queue takes them. */
    private static final List<String[]> EPISODES = List.of(
            new String[]{"Ana works at Acme.", "2024-01-01T00:00:00Z", "Ana", "WORKS_AT", "Acme"},
            new String[]{"Ben lives in Bergen.", "2024-02-01T00:00:00Z", "Ben", "LIVES_IN", "Bergen"},
            new String[]{"Cy plays chess at Club Nord.", "2024-03-01T00:00:00Z", "Cy", "MEMBER_OF", "Club Nord"});

    @Test
    void killedDuringExtractionNothingAcknowledgedIsLostAndThePendingOnesComplete() throws Exception {
        // The first answer (for Ana's episode) is held back for two minutes: the kill lands while it is processing.
        ArrayNode answers = JSON.createArrayNode();
        answers.add(answer(EPISODES.get(0)).put("delayFirstMs", 120_000));
        EPISODES.forEach(e -> answers.add(answer(e)));
        answers.addObject().put("status", 400).putObject("json").putObject("error").put("message", "simulator script exhausted");
        ObjectNode script = JSON.createObjectNode();
        script.putObject("routes").set("POST /v1/chat/completions", answers);
        Path scriptFile = dir.resolve("extraction.json");
        JSON.writeValue(scriptFile.toFile(), script);

        Process engine = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.kairos.inference.sim.EngineSimulator", scriptFile.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String engineUrl = engineUrl(engine);
            Path config = dir.resolve("kairos.yaml");
            // ready_timeout: a loaded machine may take minutes to start embedded Neo4j; calls wait instead of failing.
            JSON.writeValue(config.toFile(), Map.of("memory", Map.of("ready_timeout", "5m", "extraction",
                    Map.of("endpoint", engineUrl, "model", "extractor", "engine", "vllm"))));
            Map<String, String> env = Map.of("KAIROS_DATA_DIR", Files.createDirectories(dir.resolve("data")).toString());

            KairosProcess first = KairosProcess.serve(env, START, "--config", config.toString());
            try (McpSyncClient client = connect(first)) {
                awaitReady(client);
                for (String[] e : EPISODES) {
                    CallToolResult added = call(client, "memory_add_episode", Map.of("content", e[0], "group_id", GROUP,
                            "reference_time", e[1]));
                    assertEquals("pending", map(structured(added).get("episode")).get("extraction"));
                }
                Map<String, Object> q = awaitQueue(client, "Ana's episode processing", s -> num(s, "processing") == 1);
                assertEquals(2, num(q, "pending"), q.toString());
                assertEquals(0, num(q, "done"), q.toString());
            }
            first.process().destroyForcibly(); // SIGKILL: no shutdown hook, no clean close of the store
            assertTrue(first.process().waitFor(30, TimeUnit.SECONDS));

            try (KairosProcess second = KairosProcess.serve(env, START, "--config", config.toString());
                 McpSyncClient client = connect(second)) {
                awaitReady(client);
                Map<String, Object> q = awaitQueue(client, "all three episodes done", s -> num(s, "done") == 3);
                assertEquals(0, num(q, "failed"), q.toString());
                Map<String, Object> status = structured(call(client, "memory_status", Map.of("group_ids", List.of(GROUP))));
                assertEquals(3, num(map(status.get("counts")), "episodes"), "every acknowledged episode is still there");
                for (String[] e : EPISODES) {
                    Map<String, Object> timeline = structured(call(client, "memory_timeline", Map.of("entity_name", e[2], "group_id", GROUP)));
                    List<Map<String, Object>> facts = list(timeline.get("facts"));
                    assertEquals(1, facts.size(), e[2] + ": " + facts);
                    assertEquals(e[3], facts.getFirst().get("name"));
                    assertEquals(e[4], map(facts.getFirst().get("target")).get("name"));
                }
            }
        } finally {
            engine.destroyForcibly();
        }
    }

    /** The vLLM-format answer extracting one person, one place or organisation and the fact between them. */
    private static ObjectNode answer(String[] e) {
        String content;
        try {
            content = JSON.writeValueAsString(Map.of(
                    "entities", List.of(Map.of("name", e[2], "type", "Person"), Map.of("name", e[4], "type", "Thing")),
                    "facts", List.of(Map.of("source", e[2], "relation", e[3], "target", e[4], "fact", e[0]))));
        } catch (Exception x) {
            throw new IllegalStateException(x);
        }
        ObjectNode r = JSON.createObjectNode();
        ObjectNode body = r.putObject("json").put("id", "chatcmpl-crash").put("object", "chat.completion").put("model", "extractor");
        ObjectNode choice = body.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop");
        choice.putObject("message").put("role", "assistant").put("content", content);
        body.putObject("usage").put("prompt_tokens", 300).put("completion_tokens", 60).put("total_tokens", 360);
        return r;
    }

    /** Reads the simulator's one line on stdout: {@code engine simulator listening on URL}. */
    private static String engineUrl(Process engine) throws Exception {
        CompletableFuture<String> url = CompletableFuture.supplyAsync(() -> {
            try {
                String line = new BufferedReader(new InputStreamReader(engine.getInputStream(), StandardCharsets.UTF_8)).readLine();
                return line == null ? null : line.substring(line.lastIndexOf(' ') + 1);
            } catch (Exception e) {
                return null;
            }
        });
        String u = url.get(60, TimeUnit.SECONDS);
        if (u == null || !u.startsWith("http://")) {
            fail("the engine simulator did not start: " + u);
        }
        return u;
    }

    private static McpSyncClient connect(KairosProcess kairos) {
        McpSyncClient c = McpClient.sync(HttpClientStreamableHttpTransport.builder(kairos.baseUrl()).endpoint("/mcp").build())
                .requestTimeout(Duration.ofSeconds(120)).initializationTimeout(Duration.ofSeconds(120)).build();
        c.initialize();
        return c;
    }

    /** Polls memory_status, which does not wait, until the database is ready (a loaded machine may take minutes). */
    private static void awaitReady(McpSyncClient client) {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (!"ready".equals(structured(call(client, "memory_status", Map.of())).get("state"))) {
            if (System.nanoTime() > deadline) {
                fail("memory not ready: " + structured(call(client, "memory_status", Map.of())));
            }
            try {
                Thread.sleep(250); // polling with a deadline, not synchronisation
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** Polls memory_status (bounded) until the group's extraction queue satisfies {@code done}. */
    private static Map<String, Object> awaitQueue(McpSyncClient client, String what, Predicate<Map<String, Object>> done) {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        Map<String, Object> last = null;
        while (System.nanoTime() < deadline) {
            Map<String, Object> status = structured(call(client, "memory_status", Map.of("group_ids", List.of(GROUP))));
            last = map(status.get("ingestion"));
            if (last != null && done.test(last)) {
                return last;
            }
            try {
                Thread.sleep(200); // polling with a deadline, not synchronisation
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        return fail("timed out waiting for " + what + "; queue: " + last);
    }

    private static CallToolResult call(McpSyncClient client, String tool, Map<String, Object> args) {
        CallToolResult r = client.callTool(CallToolRequest.builder().name(tool).arguments(args).build());
        assertTrue(!Boolean.TRUE.equals(r.isError()), () -> tool + ": " + r.content());
        return r;
    }

    private static long num(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).longValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> structured(CallToolResult r) {
        return (Map<String, Object>) r.structuredContent();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        return (List<Map<String, Object>>) o;
    }
}
