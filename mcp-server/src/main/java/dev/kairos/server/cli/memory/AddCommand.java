package dev.kairos.server.cli.memory;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kairos.memory.Episode;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.NewEpisode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.List;

@Command(name = "add", description = "Remember something: store an episode (committed before this returns).")
final class AddCommand extends GraphCommand {
    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "What to remember.")
    List<String> words;

    @Option(names = "--name", description = "A short title. Default: the first words.")
    String name;

    @Option(names = "--source", defaultValue = "text", description = "text, json or message. Default: ${DEFAULT-VALUE}.")
    String source;

    @Option(names = "--reference-time", paramLabel = "TIME", description = "When it happened (ISO-8601). Default: now.")
    String referenceTime;

    @Option(names = {"-g", "--group"}, description = "Group. Default: the default group.")
    String group;

    /** The {@code --json} answer. */
    record Added(String uuid, @JsonProperty("group_id") String groupId, @JsonProperty("valid_at") String validAt) {
    }

    @Override
    int run(MemoryGraph graph, PrintWriter out) {
        // No --name: the graph names it (NewEpisode.defaultName).
        Episode e = graph.addEpisode(new NewEpisode(group("--group", group), name, String.join(" ", words),
                Episode.Source.parse("--source", source), "kairos memory add",
                MemoryInput.instant("--reference-time", referenceTime), null));
        if (json) {
            printJson(out, new Added(e.uuid(), e.groupId(), e.validAt().toString()));
        } else {
            out.println("stored episode " + e.uuid() + " in group " + e.groupId() + " (pending extraction)");
        }
        return 0;
    }
}
