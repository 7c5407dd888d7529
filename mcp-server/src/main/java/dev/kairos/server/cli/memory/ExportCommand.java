package dev.kairos.server.cli.memory;

import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.server.memory.MemoryArchive;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

@Command(name = "export", description = "Export groups as JSONL: Kairos's full format, or server-memory's file.")
final class ExportCommand extends GraphCommand {
    @Parameters(arity = "0..1", paramLabel = "FILE", description = "Where to write. Default: standard output.")
    Path file;

    @Option(names = "--format", defaultValue = "kairos", description = "kairos or server-memory. Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(names = {"-g", "--group"}, description = "Group(s) to export. Default: the default group.")
    List<String> groups;

    @Override
    int run(MemoryGraph graph, PrintWriter out) throws IOException {
        MemoryArchive.Format f = switch (format.trim().toLowerCase(Locale.ROOT)) {
            case "kairos" -> MemoryArchive.Format.KAIROS;
            case "server-memory", "server_memory" -> MemoryArchive.Format.SERVER_MEMORY;
            default -> throw new MemoryInputException("--format", "must be kairos or server-memory, was '" + format + "'");
        };
        List<String> g = groups(groups, graph);
        if (file == null) {
            new MemoryArchive(graph).export(out, g, f);
            out.println();
            return 0;
        }
        long lines;
        try (Writer w = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.UTF_8))) {
            lines = new MemoryArchive(graph).export(w, g, f);
        }
        spec.commandLine().getErr().println("wrote " + lines + " lines to " + file);
        return 0;
    }
}
