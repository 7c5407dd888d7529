package dev.kairos.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.server.testing.KairosProcess;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Kairos processes on one data directory (two IDE windows, or a server and the CLI): the second
 * shares the first's embedded store over Bolt instead of failing on Neo4j's store lock, and takes the
 * store over when the first stops.
 */
class SharedStoreTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aSecondProcessSharesTheStoreOfTheFirst(@TempDir Path data) throws Exception {
        try (KairosProcess owner = KairosProcess.serve(Map.of("KAIROS_DATA_DIR", data.toString()))) {
            awaitMemoryReady(owner, data);
            Path ownerFile = data.resolve("neo4j/kairos-owner.json");
            assertTrue(Files.isRegularFile(ownerFile), "the owner publishes its Bolt address");
            assertEquals(owner.process().pid(), JSON.readTree(ownerFile.toFile()).get("pid").asLong());
            assertStatusHidesTheStore(owner, data);

            String stored = cli(data, "memory", "add", "--json", "The lighthouse keeper feeds the gulls at dawn");
            String uuid = JSON.readTree(stored).get("uuid").asText();

            // Read back through the owner: the write went to its store.
            String found = cli(data, "memory", "search", "--json", "lighthouse gulls");
            assertTrue(found.contains(uuid), found);
            owner.process().destroy();
            assertTrue(owner.process().waitFor(90, TimeUnit.SECONDS));
            assertTrue(!Files.exists(ownerFile), "the owner withdraws its address when it stops");
        }
    }

    @Test
    void aProcessSharingTheStoreTakesItOverWhenTheOwnerStops(@TempDir Path data) throws Exception {
        Map<String, String> env = Map.of("KAIROS_DATA_DIR", data.toString());
        try (KairosProcess owner = KairosProcess.serve(env)) {
            awaitMemoryReady(owner, data);
            try (KairosProcess sharer = KairosProcess.serve(env)) {
                awaitMemoryReady(sharer, data);
                assertTrue(sharer.stderrText().contains("sharing the store of Kairos process " + owner.process().pid()),
                        sharer.stderrText());
                assertStatusHidesTheStore(sharer, data);
                var client = McpClient.sync(
                                HttpClientStreamableHttpTransport.builder(sharer.baseUrl()).build())
                        .requestTimeout(Duration.ofSeconds(120)).build();
                try (client) {
                    client.initialize();
                    var added = client.callTool(new McpSchema.CallToolRequest("memory_add_episode",
                            Map.of("content", "The ferry to the island leaves at seven")));
                    assertTrue(added.isError() == null || !added.isError(), added.toString());
                    String uuid = JSON.valueToTree(added.structuredContent()).findValue("uuid").asText();

                    owner.process().destroy();
                    assertTrue(owner.process().waitFor(90, TimeUnit.SECONDS));

                    // The next call finds the owner gone: the sharer opens the store itself and still has the episode.
                    var found = client.callTool(new McpSchema.CallToolRequest("memory_search_episodes",
                            Map.of("query", "ferry island")));
                    assertTrue(found.isError() == null || !found.isError(), found.toString());
                    assertTrue(JSON.writeValueAsString(found.structuredContent()).contains(uuid), found.toString());
                    assertEquals(sharer.process().pid(), JSON.readTree(data.resolve("neo4j/kairos-owner.json").toFile()).get("pid").asLong(),
                            "the sharer now owns and publishes the store");
                    assertTrue(sharer.stderrText().contains("taking the store over"), sharer.stderrText());
                }
            }
        }
    }

    /**
     * kairos_status names the memory and its state but never where the store listens nor its password, even to the
     * local user (allowed every group): its answer ends up in logs and agent transcripts.
     */
    private static void assertStatusHidesTheStore(KairosProcess kairos, Path data) throws Exception {
        String bolt = JSON.readTree(data.resolve("neo4j/kairos-owner.json").toFile()).get("bolt_uri").asText();
        String password = Files.readString(data.resolve("neo4j/kairos-bolt-password")).strip();
        assertTrue(bolt.startsWith("bolt://"), bolt);
        var client = McpClient.sync(HttpClientStreamableHttpTransport.builder(kairos.baseUrl()).build())
                .requestTimeout(Duration.ofSeconds(120)).build();
        try (client) {
            client.initialize();
            McpSchema.CallToolResult status = client.callTool(new McpSchema.CallToolRequest("kairos_status", Map.of()));
            String answer = JSON.writeValueAsString(status);
            assertTrue(answer.contains("\"memory\"") && answer.contains("ready"), "the memory is reported: " + answer);
            String port = bolt.substring(bolt.lastIndexOf(':') + 1);
            assertTrue(!answer.contains("bolt://") && !answer.contains("127.0.0.1:" + port), "no Bolt address: " + answer);
            assertTrue(!answer.contains(password), "no password in kairos_status");
        }
    }

    private static String cli(Path data, String... args) throws Exception {
        ProcessBuilder pb = KairosProcess.builder(args);
        pb.environment().put("KAIROS_DATA_DIR", data.toString());
        pb.redirectErrorStream(false);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        String err = new String(p.getErrorStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "cli finished");
        assertEquals(0, p.exitValue(), String.join(" ", args) + "\n" + out + "\n" + err);
        assertTrue(err.contains("sharing the store of Kairos process"), "shared, not opened a second time:\n" + err);
        return out;
    }

    private static void awaitMemoryReady(KairosProcess kairos, Path data) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        String state = "";
        while (System.nanoTime() < deadline) {
            String body = http.send(HttpRequest.newBuilder(URI.create(kairos.baseUrl() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            JsonNode memory = JSON.readTree(body).path("subsystems").findParent("name") == null ? JSON.missingNode()
                    : java.util.stream.StreamSupport.stream(JSON.readTree(body).path("subsystems").spliterator(), false)
                    .filter(s -> s.path("name").asText().equals("memory")).findFirst().orElse(JSON.missingNode());
            state = memory.path("state").asText();
            if (state.equals("ready")) {
                // /health needs no token: it must not tell anyone where the store listens, nor its password.
                assertTrue(!body.contains("bolt://") && !body.contains("127.0.0.1:"), "no Bolt address in /health: " + body);
                String password = Files.readString(data.resolve("neo4j/kairos-bolt-password")).strip();
                assertTrue(!body.contains(password), "no password in /health");
                return;
            }
            assertTrue(!state.equals("failed"), body);
            TimeUnit.MILLISECONDS.sleep(500); // polling readiness of another process, bounded above
        }
        throw new AssertionError("memory not ready in 180 s: " + state);
    }
}
