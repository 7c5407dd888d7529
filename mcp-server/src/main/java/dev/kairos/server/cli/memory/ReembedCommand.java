package dev.kairos.server.cli.memory;

import dev.kairos.memory.MemoryException;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemorySettings;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code kairos memory reembed}: rebuilds every vector and vector index with the configured embedder
 * ({@code memory.embedder}, or {@code --embedder}), for a store made with another one, with a progress bar on stderr.
 */
@Command(name = "reembed", description = "Rebuild every vector with the configured embedder (memory.embedder), "
        + "for a store made with another one.")
final class ReembedCommand implements Callable<Integer> {
    @Mixin
    DatabaseOptions database;

    @Spec
    CommandSpec spec;

    @Option(names = "--embedder", paramLabel = "NAME",
            description = "Embedder to re-embed with (overrides memory.embedder): one of ${COMPLETION-CANDIDATES}.",
            completionCandidates = Known.class)
    String embedder;

    @Option(names = "--progress", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Show a progress bar on stderr. Default: on.")
    boolean progress;

    /** The known embedder names, for the help text. */
    static final class Known implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return MemorySettings.KNOWN_EMBEDDERS.iterator();
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        MemoryGraph.Reembedded done;
        try {
            MemorySettings settings = database.settings(spec);
            if (embedder != null) settings = settings.withEmbedder(embedder.trim());
            if (progress) {
                try (ProgressBar bar = new ProgressBarBuilder().setTaskName("reembed").setInitialMax(0)
                        .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUnit(" vectors", 1).build()) {
                    done = MemoryGraph.reembed(settings, null, (what, n, total) -> {
                        bar.maxHint(total);
                        bar.setExtraMessage(what);
                        bar.stepTo(n);
                    });
                }
            } else {
                done = MemoryGraph.reembed(settings, null, null);
            }
        } catch (MemoryInputException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        } catch (MemoryException e) {
            throw new CommandLine.ExecutionException(spec.commandLine(), e.getMessage(), e);
        }
        out.println("re-embedded " + done.episodes() + " episodes, " + done.entities() + " entities and " + done.facts()
                + " facts with " + done.embedder() + "; vector indexes rebuilt");
        out.flush();
        return 0;
    }
}
