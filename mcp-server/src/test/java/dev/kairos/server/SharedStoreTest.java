package dev.kairos.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.server.testing.KairosProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Kairos processes on one data directory (two IDE windows, or a server and the CLI): the second
 * shares the first's embedded store over Bolt instead of failing on Neo4j's store lock.
 */
class SharedStoreTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aSecondProcessSharesTheStoreOfTheFirst(@TempDir Path data) throws Exception {
        try (KairosProcess owner = KairosProcess.serve(Map.of("KAIROS_DATA_DIR", data.toString()))) {
            awaitMemoryReady(owner);
            Path ownerFile = data.resolve("neo4j/kairos-owner.json");
            assertTrue(Files.isRegularFile(ownerFile), "the owner publishes its Bolt address");
            assertEquals(owner.process().pid(), JSON.readTree(ownerFile.toFile()).get("pid").asLong());

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

    private static void awaitMemoryReady(KairosProcess kairos) throws Exception {
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
                return;
            }
            assertTrue(!state.equals("failed"), body);
            TimeUnit.MILLISECONDS.sleep(500); // polling readiness of another process, bounded above
        }
        throw new AssertionError("memory not ready in 180 s: " + state);
    }
}
