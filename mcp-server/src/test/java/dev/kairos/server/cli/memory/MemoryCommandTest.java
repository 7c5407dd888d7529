package dev.kairos.server.cli.memory;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemorySettings;
import dev.kairos.memory.MemoryStatus;
import dev.kairos.server.cli.KairosCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kairos memory …} run in-process through picocli. The first command opens the embedded graph itself (and
 * closes it); the rest share one graph opened afterwards on the same directory, which also proves the write lasted.
 */
class MemoryCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    @TempDir
    static Path files;
    static MemoryGraph graph;
    static Result firstRun;

    record Result(int exit, String out, String err) {
    }

    @BeforeAll
    static void start() {
        // A real `kairos memory add` that opens and closes the database itself; its group comes from the config file.
        Path config = files.resolve("kairos.yaml");
        try {
            Files.writeString(config, "memory:\n  default_group: cli\n", StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        firstRun = run(null, "memory", "add", "--config", config.toString(), "--data-dir", dir.toString(),
                "--reference-time", "2024-02-29", "The", "lighthouse", "keeper", "retired", "in", "spring");
        graph = MemoryGraph.open(MemorySettings.defaults().withDataDir(dir).withReadyTimeout(Duration.ofMinutes(2)));
        MemoryStatus status = graph.awaitReady(Duration.ofMinutes(3));
        assertTrue(status.isReady(), status.describe());
    }

    @AfterAll
    static void stop() {
        if (graph != null) {
            graph.close();
        }
    }

    /** Runs the kairos command line; with a graph, every memory subcommand uses it instead of opening one. */
    static Result run(MemoryGraph shared, String... args) {
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                K made = CommandLine.defaultFactory().create(cls);
                if (made instanceof GraphCommand command) {
                    command.provided = shared;
                }
                return made;
            }
        };
        var out = new StringWriter();
        var err = new StringWriter();
        var cmd = new CommandLine(new KairosCommand(), factory);
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    static Map<String, Object> json(Result r) throws Exception {
        assertEquals(0, r.exit(), r.err());
        return JSON.readValue(r.out(), new TypeReference<>() {
        });
    }

    @Test
    void addOpensTheConfiguredDatabaseItselfAndTheEpisodeLasts() throws Exception {
        assertEquals(0, firstRun.exit(), firstRun.err());
        assertTrue(firstRun.out().startsWith("stored episode "), firstRun.out());
        Map<String, Object> stats = json(run(graph, "memory", "stats", "--group", "cli", "--json"));
        assertEquals(1, ((Number) stats.get("episodes")).intValue());
        assertEquals(1, ((Number) stats.get("pending_episodes")).intValue());
        Map<String, Object> found = json(run(graph, "memory", "search", "--group", "cli", "--scope", "episodes", "--json",
                "lighthouse", "keeper"));
        List<?> episodes = (List<?>) found.get("episodes");
        assertEquals(1, episodes.size());
        assertTrue(episodes.getFirst().toString().contains("2024-02-29T00:00:00Z"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void statsShowsTheExtractionQueueAndRetryRequeuesTheFailures() throws Exception {
        var e = graph.addEpisode(dev.kairos.memory.NewEpisode.text("cli-retry", "e", "Noor moved to Utrecht."));
        graph.ingestQueue().claimNext("cli-retry").orElseThrow();
        graph.ingestQueue().finish(e.uuid(), dev.kairos.memory.Episode.Extraction.FAILED, "the engine kept failing", null);
        Path config = files.resolve("retry.yaml");
        Files.writeString(config, "memory:\n  extraction:\n    sampling: false\n", StandardCharsets.UTF_8);

        Result stats = run(graph, "memory", "stats", "--group", "cli-retry", "--config", config.toString());
        assertEquals(0, stats.exit(), stats.err());
        assertTrue(stats.out().contains("extraction        0 pending, 0 processing, 0 done, 1 failed"), stats.out());
        assertTrue(stats.out().contains("memory.extraction.sampling is false"), stats.out());
        Map<String, Object> queue = (Map<String, Object>) json(run(graph, "memory", "stats", "--group", "cli-retry", "--json")).get("extraction");
        assertEquals(1, ((Number) queue.get("failed")).intValue());

        Result retry = run(graph, "memory", "retry", "--group", "cli-retry", "--config", config.toString());
        assertEquals(0, retry.exit(), retry.err());
        assertTrue(retry.out().contains(e.uuid()) && retry.out().contains("the engine kept failing"), retry.out());
        assertTrue(retry.out().contains("re-queued 1 failed episode(s) in cli-retry"), retry.out());
        assertEquals(dev.kairos.memory.Episode.Extraction.PENDING, graph.ingestQueue().entry(e.uuid()).orElseThrow().state());
        assertTrue(run(graph, "memory", "retry", "--group", "cli-retry").out().contains("re-queued 0"), "nothing failed any more");
    }

    @Test
    void importShowsProgressAndTimelineAndExportReadTheResult() throws Exception {
        // server-memory's own format, with the progress bar asked for
        List<String> lines = new ArrayList<>();
        lines.add("{\"type\":\"entity\",\"name\":\"Harbour\",\"entityType\":\"place\",\"observations\":[\"windy\"]}");
        for (int i = 0; i < 150; i++) {
            lines.add("{\"type\":\"entity\",\"name\":\"Boat " + i + "\",\"entityType\":\"vessel\",\"observations\":[\"hull " + i + "\"]}");
        }
        lines.add("{\"type\":\"relation\",\"from\":\"Boat 7\",\"to\":\"Harbour\",\"relationType\":\"moored at\"}");
        Path jsonl = files.resolve("memory.jsonl");
        Files.writeString(jsonl, String.join("\n", lines), StandardCharsets.UTF_8);

        Result imported = run(graph, "memory", "import", "--progress", "--group", "harbour", jsonl.toString());
        assertEquals(0, imported.exit(), imported.err());
        assertEquals("imported 0 episodes, 151 entities, 1 facts; skipped 0 already present", imported.out().strip());

        Result timeline = run(graph, "memory", "timeline", "--group", "harbour", "Boat 7");
        assertEquals(0, timeline.exit(), timeline.err());
        assertTrue(timeline.out().contains("Boat 7 moored at Harbour"), timeline.out());

        Path exported = files.resolve("export.jsonl");
        Result export = run(graph, "memory", "export", "--group", "harbour", "--format", "server-memory", exported.toString());
        assertEquals(0, export.exit(), export.err());
        List<String> back = Files.readAllLines(exported, StandardCharsets.UTF_8);
        assertEquals(lines.size(), back.size());
        assertTrue(back.contains(lines.getLast()), back.getLast());

        Result kairos = run(graph, "memory", "export", "--group", "harbour");
        assertTrue(kairos.out().startsWith("{\"type\":\"kairos\",\"version\":1"), kairos.out().substring(0, 80));
    }

    @Test
    void searchFindsAFactAndTimeTravelChangesTheAnswer() throws Exception {
        Path jsonl = files.resolve("facts.jsonl");
        Files.writeString(jsonl, String.join("\n",
                "{\"type\":\"kairos\",\"version\":1}",
                "{\"type\":\"fact\",\"group_id\":\"x\",\"name\":\"LIVES_IN\",\"fact\":\"Tove lives in Oslo\",\"source\":{\"name\":\"Tove\"},\"target\":{\"name\":\"Oslo\"},\"valid_at\":\"2010-01-01T00:00:00Z\",\"invalid_at\":\"2020-01-01T00:00:00Z\"}",
                "{\"type\":\"fact\",\"group_id\":\"x\",\"name\":\"LIVES_IN\",\"fact\":\"Tove lives in Bergen\",\"source\":{\"name\":\"Tove\"},\"target\":{\"name\":\"Bergen\"},\"valid_at\":\"2020-01-01T00:00:00Z\"}"),
                StandardCharsets.UTF_8);
        assertEquals(0, run(graph, "memory", "import", "--group", "travel", jsonl.toString()).exit());
        Result now = run(graph, "memory", "search", "--group", "travel", "--scope", "facts", "where", "does", "Tove", "live");
        assertTrue(now.out().contains("Tove lives in Bergen") && !now.out().contains("Oslo"), now.out());
        Result then = run(graph, "memory", "search", "--group", "travel", "--scope", "facts", "--as-of", "2015-06-01", "Tove", "live");
        assertTrue(then.out().contains("Tove lives in Oslo") && !then.out().contains("Bergen"), then.out());
    }

    @Test
    void badInputIsAUsageErrorNamingTheOption() {
        Result date = run(graph, "memory", "search", "--as-of", "2023-02-30", "x");
        assertEquals(2, date.exit());
        assertTrue(date.err().contains("--as-of"), date.err());
        Result group = run(graph, "memory", "stats", "--group", "not a group");
        assertEquals(2, group.exit());
        assertTrue(group.err().contains("--group"), group.err());
        Result missing = run(graph, "memory", "import", files.resolve("nope.jsonl").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("FILE"), missing.err());
        Result badConfig = run(null, "memory", "stats", "--config", files.resolve("missing.yaml").toString());
        assertEquals(2, badConfig.exit());
        assertTrue(badConfig.err().contains("missing.yaml"), badConfig.err());
        Result embedder = run(null, "memory", "reembed", "--embedder", "word2vec", "--data-dir", files.resolve("none").toString());
        assertEquals(2, embedder.exit());
        assertTrue(embedder.err().contains("memory.embedder") && embedder.err().contains("bge-small-en-v1.5-q"), embedder.err());
        Result unknown = run(graph, "memory", "timeline", "--group", "cli", "Nobody");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("Nobody"), unknown.err());
    }
}
