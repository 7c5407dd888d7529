package dev.kairos.server.memory;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.server.interop.NodeTools;
import dev.kairos.server.interop.InspectorCli;
import dev.kairos.server.testing.KairosProcess;
import dev.kairos.server.testing.ServedKairos;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The MCP Inspector CLI as a real client adds a memory to a real {@code kairos} process and finds it again, over
 * stdio ({@code kairos mcp}) and over Streamable HTTP ({@code kairos serve}, {@code /mcp}).
 *
 * <p>The processes use this test's embedded Neo4j as an external database over Bolt, so no Inspector request waits
 * for a cold database start (the Inspector CLI gives up on a request after 60 s).
 */
class InspectorMemoryTest {
    /** Covers a cold start of embedded Neo4j inside the first call. */

    @TempDir
    static Path home;
    @TempDir
    static Path db;
    private static dev.kairos.memory.MemoryGraph graph;
    private static String bolt;
    /** Started on first use, once {@link #start()} has opened the database its config names. */
    @RegisterExtension
    static final ServedKairos served = ServedKairos.serve(() -> List.of("--config", config("http").toString()));

    @BeforeAll
    static void start() {
        NodeTools.npmBin("mcp-inspector"); // skip (or fail under ./kairos test) before starting anything
        graph = TestMemory.open(db);
        bolt = ((dev.kairos.memory.MemoryStatus.Ready) graph.status()).boltUri();
    }

    @AfterAll
    static void stop() {
        served.stop(); // before the database it uses
        if (graph != null) {
            graph.close();
        }
    }

    @Test
    void addsAndFindsAMemoryOverStdio() throws Exception {
        Path config = config("stdio");
        // each Inspector run starts its own `kairos mcp`; the second finds what the first stored on disk
        assertAddsAndFinds(() -> KairosProcess.command("mcp", "--config", config.toString()),
                "The inspector left a note over stdio: the copper kettle whistles at dawn.", "copper kettle whistles");
    }

    @Test
    void addsAndFindsAMemoryOverStreamableHttp() throws Exception {
        assertAddsAndFinds(() -> List.of(served.baseUrl() + "/mcp"),
                "The inspector left a note over HTTP: the blue heron nests by the old mill.", "blue heron nests");
    }

    @Test
    void theToolsetFlagServesTheAnchorsToolsUnchanged() throws Exception {
        Path config = config("toolsets");
        for (String toolset : List.of("server-memory", "graphiti")) {
            JsonNode listed = inspector(KairosProcess.command("mcp", "--config", config.toString(), "--toolset", toolset),
                    "--method", "tools/list");
            List<String> names = new ArrayList<>();
            listed.path("result").path("tools").forEach(t -> names.add(t.path("name").asText()));
            List<String> anchor = CompatibilityTest.anchor(toolset + "-tools.json").stream().map(t -> (String) t.get("name")).toList();
            assertEquals(anchor, names.stream().filter(anchor::contains).toList(), toolset);
            assertFalse(names.contains("memory_add_episode"), toolset + " must not also offer Kairos's own memory tools: " + names);
        }
    }

    private static void assertAddsAndFinds(java.util.function.Supplier<List<String>> target, String content, String query)
            throws Exception {
        JsonNode added = inspector(target.get(), "--method", "tools/call", "--tool-name", "memory_add_episode",
                "--tool-arg", "content=" + content);
        assertFalse(added.path("result").path("isError").asBoolean(false), added.toString());
        String uuid = added.path("result").path("structuredContent").path("episode").path("uuid").asText();
        assertFalse(uuid.isEmpty(), added.toString());

        JsonNode found = inspector(target.get(), "--method", "tools/call", "--tool-name", "memory_search_episodes",
                "--tool-arg", "query=" + query);
        assertFalse(found.path("result").path("isError").asBoolean(false), found.toString());
        JsonNode first = found.path("result").path("structuredContent").path("episodes").path(0);
        assertEquals(uuid, first.path("uuid").asText(), found.toString());
        assertEquals(content, first.path("content").asText());
    }

    private static Path config(String name) throws IOException {
        Path data = Files.createDirectories(home.resolve("data-" + name));
        Path file = home.resolve("kairos-" + name + ".yaml");
        // The embedded store is behind its generated Bolt password; an external client logs in with it.
        String password = Files.readString(db.resolve("neo4j/kairos-bolt-password")).strip();
        Files.writeString(file, "memory:\n  mode: external\n  uri: \"" + bolt + "\"\n  user: neo4j\n  password: \"" + password
                + "\"\n  data_dir: \"" + data
                + "\"\n  ready_timeout: 150s\n", StandardCharsets.UTF_8);
        return file;
    }

    private static JsonNode inspector(List<String> target, String... options) throws Exception {
        return new InspectorCli(home, java.time.Duration.ofSeconds(180)).run(target, java.util.Map.of(), options);
    }
}
