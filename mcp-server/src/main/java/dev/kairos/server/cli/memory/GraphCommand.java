package dev.kairos.server.cli.memory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.memory.Fact;
import dev.kairos.memory.MemoryException;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemoryNotFoundException;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The base of every {@code kairos memory} subcommand: the database options, {@code --json}, and a body run with an
 * open graph. Bad input is reported as a usage error naming the option.
 */
abstract class GraphCommand implements Callable<Integer> {
    @Mixin
    DatabaseOptions database;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    final ObjectMapper mapper = new ObjectMapper();

    /** A graph opened by someone else (the caller keeps it open); null: open the one the options name. */
    MemoryGraph provided;

    abstract int run(MemoryGraph graph, PrintWriter out) throws IOException;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        MemoryGraph graph = provided != null ? provided : database.open(spec);
        try {
            int rc = run(graph, out);
            out.flush();
            return rc;
        } catch (MemoryInputException | MemoryNotFoundException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        } catch (MemoryException e) {
            throw new CommandLine.ExecutionException(spec.commandLine(), e.getMessage(), e);
        } finally {
            if (provided == null) {
                graph.close();
            }
        }
    }

    void printJson(PrintWriter out, Object value) {
        try {
            out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String group(String option, String value) {
        return value == null ? null : MemoryInput.groupId(option, value);
    }

    static List<String> groups(List<String> values, MemoryGraph graph) {
        if (values == null || values.isEmpty()) {
            return List.of(graph.settings().defaultGroup());
        }
        return values.stream().map(g -> MemoryInput.groupId("--group", g)).toList();
    }

    /** A fact's world-time span for text output: {@code valid -> invalid}, open ends as {@code ?} and {@code now}. */
    static String span(Fact f) {
        return (f.validAt() == null ? "?" : f.validAt().toString()) + " -> " + (f.invalidAt() == null ? "now" : f.invalidAt().toString());
    }
}
