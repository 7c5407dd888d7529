package dev.kairos.server.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.server.testing.HttpAnswers;
import dev.kairos.server.testing.KairosProcess;
import dev.kairos.transports.Caller;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code memory_import}: an archive exported from one embedded store imported through the tool into another and
 * read back; groups the caller may not write and bad lines refused with nothing imported; and the import as an MCP
 * task on a real {@code kairos serve} over 2026-07-28 HTTP.
 */
class ArchiveImportToolTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The store the archive comes from. */
    @RegisterExtension
    static final TestMemory source = new TestMemory();
    static Path targetDir;
    /** The store it is imported into. */
    static MemoryGraph target;

    @BeforeAll
    static void openTarget() throws Exception {
        targetDir = Files.createTempDirectory("kairos-import-target");
        target = TestMemory.open(targetDir);
    }

    @AfterAll
    static void closeTarget() throws Exception {
        if (target != null) {
            target.close();
        }
        try (Stream<Path> files = Files.walk(targetDir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void anArchiveExportedFromOneStoreIsImportedIntoAnotherReadBackAndImportingAgainStoresNothingNew() throws Exception {
        String episodeUuid;
        try (McpHarness from = McpHarness.start(sink -> MemoryTools.create(source.graph(), Toolset.KAIROS, "default", sink), Caller.local("default"))) {
            episodeUuid = (String) map(structured(ok(from.call("memory_add_episode", Map.of("content", "Ada moved to Lyon.",
                    "group_id", "src", "reference_time", "2024-01-01T00:00:00Z")))).get("episode")).get("uuid");
            ok(from.call("memory_upsert_entity", Map.of("name", "Ada", "types", List.of("Person"),
                    "observations", List.of("writes programs"), "group_id", "src")));
            ok(from.call("memory_add_fact", Map.of("source", "Ada", "relation", "LIVES_IN", "target", "Lyon",
                    "group_id", "src", "valid_at", "2024-01-01T00:00:00Z")));
        }
        var out = new StringWriter();
        new MemoryArchive(source.graph()).export(out, List.of("src"), MemoryArchive.Format.KAIROS);
        String archive = out.toString();

        try (McpHarness into = McpHarness.start(sink -> MemoryTools.create(target, Toolset.KAIROS, "default", sink), Caller.local("default"))) {
            CallToolResult imported = ok(into.client().callTool(new McpSchema.CallToolRequest("memory_import",
                    Map.of("archive", archive), Map.of("progressToken", "import-1"))));
            Map<String, Object> counts = structured(imported);
            assertEquals("kairos", counts.get("format"), counts.toString());
            assertEquals(List.of("src"), counts.get("groups"), counts.toString());
            assertEquals(5, ((Number) counts.get("lines")).intValue(), counts.toString()); // header, episode, 2 entities, fact
            assertEquals(1, ((Number) counts.get("episodes")).intValue(), counts.toString());
            assertEquals(2, ((Number) counts.get("entities")).intValue(), counts.toString());
            assertEquals(1, ((Number) counts.get("facts")).intValue(), counts.toString());
            assertEquals(0, ((Number) counts.get("skipped")).intValue(), counts.toString());

            // progress per stored batch, then the end
            List<McpSchema.ProgressNotification> progress = awaitDone(into);
            assertTrue(progress.size() >= 2, "a notification per batch and one at the end: " + progress);
            assertTrue(progress.stream().allMatch(p -> "import-1".equals(p.progressToken()) && Double.valueOf(5).equals(p.total())),
                    progress.toString());
            assertTrue(progress.getFirst().message().contains("episodes"), progress.toString());

            // read back: the episode keeps its uuid, the fact its endpoints and valid time, the entity its observation
            var episode = into.client().readResource(new McpSchema.ReadResourceRequest("memory://episode/" + episodeUuid));
            assertTrue(((McpSchema.TextResourceContents) episode.contents().getFirst()).text().contains("Ada moved to Lyon."));
            Map<String, Object> timeline = structured(ok(into.call("memory_timeline", Map.of("entity_name", "Ada", "group_id", "src"))));
            assertTrue(String.valueOf(map(timeline.get("entity")).get("observations")).contains("writes programs"), timeline.toString());
            List<?> facts = (List<?>) timeline.get("facts");
            assertEquals(1, facts.size(), timeline.toString());
            assertEquals("Ada LIVES_IN Lyon", map(facts.getFirst()).get("fact"));
            assertTrue(String.valueOf(map(facts.getFirst()).get("valid_at")).startsWith("2024-01-01T00:00"), timeline.toString());

            // importing again (what a resumed task does) stores nothing new
            Map<String, Object> again = structured(ok(into.call("memory_import", Map.of("archive", archive))));
            assertEquals(List.of(0, 0, 0, 4), List.of(((Number) again.get("episodes")).intValue(), ((Number) again.get("entities")).intValue(),
                    ((Number) again.get("facts")).intValue(), ((Number) again.get("skipped")).intValue()), again.toString());

            // a copy into another group, twice: the second finds the first copy's episode (its uuid derived from both)
            Map<String, Object> copy = structured(ok(into.call("memory_import", Map.of("archive", archive, "group_id", "copy"))));
            assertEquals(List.of("copy"), copy.get("groups"), copy.toString());
            assertEquals(1, ((Number) copy.get("episodes")).intValue(), copy.toString());
            Map<String, Object> copyAgain = structured(ok(into.call("memory_import", Map.of("archive", archive, "group_id", "copy"))));
            assertEquals(0, ((Number) copyAgain.get("episodes")).intValue(), copyAgain.toString());
            assertEquals(0, ((Number) copyAgain.get("facts")).intValue(), copyAgain.toString());
            assertEquals(1L, target.stats(List.of("copy")).episodes(), "one episode in the copied group");
        }
    }

    @Test
    void groupsTheCallerMayNotWriteAreRefusedAndNothingIsImported() throws Exception {
        String archive = header() + "\n"
                + episode("11111111-1111-4111-8111-111111111111", "alpha", "Alpha's note.") + "\n"
                + episode("22222222-2222-4222-8222-222222222222", "beta", "Beta's note.") + "\n";
        Caller alice = new Caller("alice", Set.of("alpha"), false, "alpha");
        try (McpHarness asAlice = McpHarness.start(sink -> MemoryTools.create(target, Toolset.KAIROS, "default", sink), alice)) {
            CallToolResult refused = asAlice.call("memory_import", Map.of("archive", archive));
            assertTrue(Boolean.TRUE.equals(refused.isError()), refused.toString());
            assertTrue(text(refused).contains("archive line 3 group_id") && text(refused).contains("'beta'")
                    && text(refused).contains("nothing was imported"), text(refused));
            // the line for alpha, which alice may write, was not imported either
            assertEquals(0L, target.stats(List.of("alpha")).episodes(), "nothing half-imported");
            assertTrue(target.episode("11111111-1111-4111-8111-111111111111").isEmpty());

            CallToolResult override = asAlice.call("memory_import", Map.of("archive", archive, "group_id", "beta"));
            assertTrue(Boolean.TRUE.equals(override.isError()) && text(override).contains("group_id") && text(override).contains("'beta'"),
                    text(override));

            // into her own group, it goes
            Map<String, Object> mine = structured(ok(asAlice.call("memory_import", Map.of("archive", archive, "group_id", "alpha"))));
            assertEquals(2, ((Number) mine.get("episodes")).intValue(), mine.toString());
            assertEquals(2L, target.stats(List.of("alpha")).episodes());
        }
    }

    @Test
    void aBadArchiveIsRefusedNamingTheLineAndNothingIsImported() throws Exception {
        try (McpHarness into = McpHarness.start(sink -> MemoryTools.create(target, Toolset.KAIROS, "default", sink), Caller.local("default"))) {
            String good = episode("33333333-3333-4333-8333-333333333333", "bad-archive", "A fine line.");
            String missingContent = "{\"type\":\"episode\",\"uuid\":\"44444444-4444-4444-8444-444444444444\",\"group_id\":\"bad-archive\"}";
            CallToolResult bad = into.call("memory_import", Map.of("archive", header() + "\n" + good + "\n" + missingContent + "\n"));
            assertTrue(Boolean.TRUE.equals(bad.isError()), bad.toString());
            assertTrue(text(bad).contains("line 3") && text(bad).contains("content") && text(bad).contains("nothing was imported"), text(bad));
            assertTrue(target.episode("33333333-3333-4333-8333-333333333333").isEmpty(), "the good line before it is not imported");

            CallToolResult notJson = into.call("memory_import", Map.of("archive", header() + "\n" + good + "\n{not json\n"));
            assertTrue(Boolean.TRUE.equals(notJson.isError()) && text(notJson).contains("line 3: not a JSON object"), text(notJson));

            CallToolResult unknownType = into.call("memory_import", Map.of("archive", header() + "\n{\"type\":\"memo\"}\n"));
            assertTrue(Boolean.TRUE.equals(unknownType.isError()) && text(unknownType).contains("line 2")
                    && text(unknownType).contains("'memo'"), text(unknownType));

            CallToolResult blank = into.call("memory_import", Map.of("archive", "\n \n"));
            assertTrue(Boolean.TRUE.equals(blank.isError()) && text(blank).contains("archive"), text(blank));

            String huge = header() + "\n" + "x".repeat(ArchiveImportTool.MAX_CHARS);
            CallToolResult tooBig = into.call("memory_import", Map.of("archive", huge));
            assertTrue(Boolean.TRUE.equals(tooBig.isError()) && text(tooBig).contains("archive"), text(tooBig));
            assertEquals(0L, target.stats(List.of("bad-archive")).episodes());
        }
    }

    @Test
    void anImportRunsAsATaskOverHttpAndTheTaskResultCarriesTheCounts(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("kairos.yaml");
        JSON.writeValue(config.toFile(), Map.of(
                "memory", Map.of("extraction", Map.of("enabled", false)),
                "server", Map.of("tokens", List.of(
                        Map.of("name", "alice", "token", "alice-secret-token-0123456789", "groups", List.of("scratch"))))));
        String archive = header() + "\n"
                + episode("55555555-5555-4555-8555-555555555555", "scratch", "Bo fixed the roof.") + "\n"
                + "{\"type\":\"entity\",\"uuid\":\"66666666-6666-4666-8666-666666666666\",\"group_id\":\"scratch\",\"name\":\"Bo\","
                + "\"types\":[\"Person\"],\"summary\":\"\",\"observations\":[],\"attributes\":{},\"created_at\":\"2024-01-01T00:00:00Z\"}\n"
                + "{\"type\":\"fact\",\"uuid\":\"77777777-7777-4777-8777-777777777777\",\"group_id\":\"scratch\",\"name\":\"FIXED\","
                + "\"fact\":\"Bo fixed the roof\",\"source\":{\"uuid\":\"66666666-6666-4666-8666-666666666666\",\"name\":\"Bo\"},"
                + "\"target\":{\"uuid\":\"88888888-8888-4888-8888-888888888888\",\"name\":\"Roof\"},\"valid_at\":\"2024-01-01T00:00:00Z\","
                + "\"invalid_at\":null,\"created_at\":\"2024-01-01T00:00:00Z\",\"expired_at\":null,"
                + "\"episodes\":[\"55555555-5555-4555-8555-555555555555\"]}\n";
        try (KairosProcess serve = KairosProcess.serve(Map.of("KAIROS_DATA_DIR", dir.resolve("data").toString(),
                "KAIROS_MEMORY_READY_TIMEOUT", "5m"), Duration.ofMinutes(3), "--config", config.toString())) {
            serve.awaitMemoryReady(Duration.ofMinutes(3));
            Http http = new Http(serve.baseUrl() + "/mcp", "alice-secret-token-0123456789");
            JsonNode created = http.call("tools/call", "memory_import", JSON.createObjectNode().put("name", "memory_import")
                    .set("arguments", JSON.createObjectNode().put("archive", archive)));
            assertEquals("task", created.path("resultType").asText(), created.toString());
            String taskId = created.path("taskId").asText();

            JsonNode done = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                done = http.call("tasks/get", taskId, JSON.createObjectNode().put("taskId", taskId));
                if (Set.of("completed", "failed", "cancelled").contains(done.path("status").asText())) {
                    break;
                }
                TimeUnit.MILLISECONDS.sleep(200);
            }
            assertEquals("completed", done.path("status").asText(), String.valueOf(done));
            JsonNode counts = done.path("result").path("structuredContent");
            // Roof comes with the fact, not from an entity line: one entity created
            assertEquals(List.of(1, 1, 1, 0), List.of(counts.path("episodes").asInt(), counts.path("entities").asInt(),
                    counts.path("facts").asInt(), counts.path("skipped").asInt()), done.toString());
            assertEquals("scratch", counts.path("groups").path(0).asText(), done.toString());
            assertTrue(done.path("statusMessage").asText().contains("done: 1 episodes"), "the last progress line: " + done);

            // read back through a plain tool on the same server
            JsonNode timeline = http.call("tools/call", "memory_timeline", JSON.createObjectNode().put("name", "memory_timeline")
                    .set("arguments", JSON.createObjectNode().put("entity_name", "Bo").put("group_id", "scratch")));
            assertEquals("Bo fixed the roof", timeline.at("/structuredContent/facts/0/fact").asText(), timeline.toString());
            assertFalse(timeline.path("isError").asBoolean(), timeline.toString());
        }
    }

    // ---- helpers ----

    private static String header() {
        return "{\"type\":\"kairos\",\"version\":1,\"exported_at\":\"2024-06-01T00:00:00Z\",\"groups\":[]}";
    }

    private static String episode(String uuid, String group, String content) throws Exception {
        ObjectNode e = JSON.createObjectNode().put("type", "episode").put("uuid", uuid).put("group_id", group)
                .put("name", content).put("content", content).put("source", "text").put("source_description", "")
                .put("valid_at", "2024-01-01T00:00:00Z").put("created_at", "2024-01-01T00:00:00Z");
        return JSON.writeValueAsString(e);
    }

    /** The notifications up to the one that reports the end (bounded wait: they may arrive just after the result). */
    private static List<McpSchema.ProgressNotification> awaitDone(McpHarness mcp) throws InterruptedException {
        List<McpSchema.ProgressNotification> seen = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            seen.addAll(mcp.takeProgress());
            if (!seen.isEmpty() && seen.getLast().message().startsWith("done:")) {
                return seen;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new AssertionError("no final progress notification; seen: " + seen);
    }

    private static CallToolResult ok(CallToolResult r) {
        assertFalse(Boolean.TRUE.equals(r.isError()), () -> text(r));
        return r;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> structured(CallToolResult r) {
        return (Map<String, Object>) r.structuredContent();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    private static String text(CallToolResult r) {
        return r.content().stream().filter(c -> c instanceof McpSchema.TextContent)
                .map(c -> ((McpSchema.TextContent) c).text()).reduce("", String::concat);
    }

    /** A 2026-07-28 client that declares the tasks extension, one request per POST. */
    private record Http(String url, String token) {
        private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        JsonNode call(String method, String name, ObjectNode params) throws Exception {
            ObjectNode meta = params.putObject("_meta");
            meta.put("io.modelcontextprotocol/protocolVersion", "2026-07-28");
            meta.putObject("io.modelcontextprotocol/clientCapabilities").putObject("extensions").putObject("io.modelcontextprotocol/tasks");
            ObjectNode body = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", 1).put("method", method);
            body.set("params", params);
            HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2))
                    .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                    .header("Authorization", "Bearer " + token).header("MCP-Protocol-Version", "2026-07-28")
                    .header("Mcp-Method", method).header("Mcp-Name", name)
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
            HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode answer = HttpAnswers.response(response);
            assertTrue(answer != null && answer.has("result"), method + ": " + response.body());
            return answer.get("result");
        }
    }
}
