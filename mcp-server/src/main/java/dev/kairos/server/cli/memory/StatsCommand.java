package dev.kairos.server.cli.memory;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemoryStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;

@Command(name = "stats", description = "Counts of episodes, entities and facts, and the database status.")
final class StatsCommand extends GraphCommand {
    @Option(names = {"-g", "--group"}, description = "Group(s). Default: the default group.")
    List<String> groups;

    /** The {@code --json} answer. */
    record Stats(List<String> groups, String status, long episodes, @JsonProperty("pending_episodes") long pendingEpisodes,
                 long entities, long facts, @JsonProperty("current_facts") long currentFacts, Object extraction) {
    }

    @Override
    int run(MemoryGraph graph, PrintWriter out) {
        List<String> g = groups(groups, graph);
        MemoryStats s = graph.stats(g);
        if (json) {
            printJson(out, new Stats(g, graph.status().describe(), s.episodes(), s.pendingEpisodes(), s.entities(), s.facts(),
                    s.currentFacts(), MemoryRetryCommand.queueJson(graph, g, database.config.file())));
            return 0;
        }
        out.println("memory " + graph.status().describe());
        out.println("groups            " + String.join(", ", g));
        out.println("episodes          " + s.episodes() + " (" + s.pendingEpisodes() + " pending extraction)");
        out.println("entities          " + s.entities());
        out.println("facts             " + s.facts() + " (" + s.currentFacts() + " true now)");
        MemoryRetryCommand.printQueue(graph, g, database.config.file(), out);
        return 0;
    }
}
