package dev.kairos.server.cli.memory;

import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.server.memory.MemoryArchive;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

@Command(name = "import", description = "Import server-memory's JSONL file (a migration path) or a Kairos export.")
final class ImportCommand extends GraphCommand {
    /** Below this many lines a progress bar is only noise. */
    static final long PROGRESS_FROM_LINES = 1_000;

    @Parameters(paramLabel = "FILE", description = "The JSONL file, or - for standard input.")
    String file;

    @Option(names = {"-g", "--group"}, description = "Import into this group. Default: as recorded (Kairos export) or the default group.")
    String group;

    @Option(names = "--progress", negatable = true,
            description = "Show a progress bar on stderr. Default: for files of " + PROGRESS_FROM_LINES + " lines or more, and for standard input.")
    Boolean progress;

    @Override
    int run(MemoryGraph graph, PrintWriter out) throws IOException {
        MemoryArchive.Report report;
        boolean stdin = file.equals("-");
        long total = stdin ? -1 : lineCount(Path.of(file));
        try (BufferedReader in = stdin
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
            boolean show = progress != null ? progress : total < 0 || total >= PROGRESS_FROM_LINES;
            if (show) {
                try (ProgressBar bar = new ProgressBarBuilder().setTaskName("import").setInitialMax(total)
                        .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUnit(" lines", 1).build()) {
                    report = new MemoryArchive(graph).importFrom(in, group("--group", group), bar::stepTo);
                }
            } else {
                report = new MemoryArchive(graph).importFrom(in, group("--group", group), MemoryArchive.Progress.NONE);
            }
        }
        if (json) {
            printJson(out, report);
        } else {
            out.println("imported " + report.episodes() + " episodes, " + report.entities() + " entities, "
                    + report.facts() + " facts; skipped " + report.skipped() + " already present");
        }
        return 0;
    }

    private static long lineCount(Path p) throws IOException {
        if (!Files.isRegularFile(p)) {
            throw new MemoryInputException("FILE", "no such file: " + p);
        }
        try (var lines = Files.lines(p, StandardCharsets.UTF_8)) {
            return lines.count();
        }
    }
}
