package dev.kairos.server.cli;

import dev.kairos.fsm.Diagnostic;
import dev.kairos.fsm.JsonGraph;
import dev.kairos.fsm.MermaidRenderer;
import dev.kairos.fsm.WorkflowLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code kairos fsm}: checks workflow files and draws them. */
@Command(name = "fsm", mixinStandardHelpOptions = true,
        description = "Check and draw workflow state machines (YAML or JSON files).",
        subcommands = {FsmCommand.Validate.class, FsmCommand.Render.class})
public final class FsmCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** Reads a file; on failure prints a diagnostic line and returns null. */
    static WorkflowLoader.Result read(Path file, PrintWriter err) {
        try {
            return WorkflowLoader.read(file.toString(), Files.readString(file));
        } catch (IOException e) {
            err.println(file + ":0:0: error: cannot read the file: " + e.getMessage() + " [io]");
            return null;
        }
    }

    /** {@code kairos fsm validate FILE...}: exit 0 when every file is valid, 1 otherwise. */
    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Validate workflow files; problems go to stderr as file:line:col: severity: message.")
    static final class Validate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "FILE", description = "Workflow files to check.")
        List<Path> files;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            boolean ok = true;
            for (Path file : files) {
                WorkflowLoader.Result r = read(file, err);
                if (r == null) {
                    ok = false;
                    continue;
                }
                r.diagnostics().forEach(d -> err.println(d.format()));
                if (r.hasErrors()) {
                    ok = false;
                } else {
                    long warnings = r.diagnostics().stream().filter(d -> !d.isError()).count();
                    out.println(file + ": valid (" + r.workflow().allStates().size() + " states"
                            + (warnings == 0 ? "" : ", " + warnings + " warning" + (warnings == 1 ? "" : "s")) + ")");
                }
            }
            out.flush();
            err.flush();
            return ok ? 0 : 1;
        }
    }

    /** {@code kairos fsm render FILE}: the diagram on stdout. */
    @Command(name = "render", mixinStandardHelpOptions = true,
            description = "Print a workflow as a Mermaid stateDiagram-v2 (default) or a JSON graph.")
    static final class Render implements Callable<Integer> {
        enum Format { mermaid, json }

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "The workflow file.")
        Path file;

        @Option(names = "--format", defaultValue = "mermaid", description = "mermaid or json (default: ${DEFAULT-VALUE}).")
        Format format;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            WorkflowLoader.Result r = read(file, err);
            if (r == null || r.hasErrors()) {
                if (r != null) r.diagnostics().stream().filter(Diagnostic::isError).forEach(d -> err.println(d.format()));
                err.flush();
                return 1;
            }
            PrintWriter out = spec.commandLine().getOut();
            out.print(switch (format) {
                case mermaid -> MermaidRenderer.render(r.workflow());
                case json -> JsonGraph.render(r.workflow()) + "\n";
            });
            out.flush();
            return 0;
        }
    }
}
