package dev.kairos.server.cli.memory;

import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.ingest.IngestQueue;
import dev.kairos.server.config.ConfigException;
import dev.kairos.server.config.ConfigLoader;
import dev.kairos.server.config.ExtractionConfig;
import dev.kairos.server.memory.MemoryIngest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code kairos memory retry}: failed extractions go back to pending (attempts reset). A running {@code kairos serve}
 * or {@code kairos mcp} on the same store extracts them at its next look at the queue.
 */
@Command(name = "retry", description = "Queue the episodes whose extraction failed for extraction again (attempts reset).")
final class MemoryRetryCommand extends GraphCommand {
    @Option(names = {"-g", "--group"}, description = "Group(s). Default: the default group.")
    List<String> groups;

    @Option(names = "--all-groups", description = "Every group of the store.")
    boolean allGroups;

    @Override
    int run(MemoryGraph graph, PrintWriter out) {
        List<String> g = allGroups ? List.of() : groups(groups, graph);
        List<IngestQueue.Entry> failed = graph.ingestQueue().failed(g, 1000);
        int n = graph.ingestQueue().requeueFailed(g);
        if (json) {
            var m = new LinkedHashMap<String, Object>();
            m.put("groups", g);
            m.put("requeued", n);
            m.put("episodes", failed.stream().map(e -> Map.of("uuid", e.episodeUuid(), "group_id", e.groupId(),
                    "last_error", String.valueOf(e.lastError()))).toList());
            printJson(out, m);
            return 0;
        }
        for (IngestQueue.Entry e : failed) {
            out.println(e.episodeUuid() + "  " + e.groupId() + "  after " + e.attempts() + " attempt(s): " + e.lastError());
        }
        out.println("re-queued " + n + " failed episode(s) in " + (g.isEmpty() ? "every group" : String.join(", ", g))
                + "; extraction: " + extractionModel(database.config.file()));
        return 0;
    }

    /** Where a server started with this config takes its extraction model from (or the config's error). */
    static String extractionModel(Path config) {
        try {
            return ExtractionConfig.resolve(ConfigLoader.load(config)).describe();
        } catch (ConfigException e) {
            return "unknown: " + e.getMessage();
        }
    }

    /** The {@code kairos memory stats} lines about extraction. */
    static void printQueue(MemoryGraph graph, List<String> groups, Path config, PrintWriter out) {
        out.println("extraction        " + MemoryIngest.line(graph.ingestQueue().counts(groups)));
        out.println("extraction model  " + extractionModel(config));
    }

    /** The {@code kairos memory stats --json} fields about extraction. */
    static Map<String, Object> queueJson(MemoryGraph graph, List<String> groups, Path config) {
        IngestQueue.Counts c = graph.ingestQueue().counts(groups);
        var m = new LinkedHashMap<String, Object>();
        m.put("pending", c.pending());
        m.put("processing", c.processing());
        m.put("done", c.done());
        m.put("failed", c.failed());
        m.put("model", extractionModel(config));
        return m;
    }
}
