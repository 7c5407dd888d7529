package dev.kairos.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.agent.Agent;
import dev.kairos.agent.Approver;
import dev.kairos.agent.Conversation;
import dev.kairos.agent.Limits;
import dev.kairos.agent.Run;
import dev.kairos.agent.RunEvent;
import dev.kairos.agent.RunRequest;
import dev.kairos.agent.RunResult;
import dev.kairos.agent.RunStore;
import dev.kairos.agent.Termination;
import dev.kairos.agent.WorkflowSource;
import dev.kairos.fsm.Diagnostic;
import dev.kairos.fsm.WorkflowException;
import dev.kairos.inference.InferenceSettings;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.server.config.KairosConfig;
import dev.kairos.server.config.MemoryConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;

/**
 * {@code kairos run "TASK"}: one agent run from the terminal. The answer streams to stdout, progress
 * (a line per step, tool call and state) to stderr; exit 0 answered, 2 bad input, 3 stopped by a
 * guard, 4 engine or tools unavailable.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the agent on a task: ReAct over the tools, or a workflow's states. "
                + "Exit codes: 0 answered, 2 bad input, 3 stopped by a guard, 4 engine or tools unavailable.")
public final class RunCommand implements Callable<Integer> {
    static final int ANSWERED = 0;
    static final int BAD_INPUT = 2;
    static final int GUARD = 3;
    static final int UNAVAILABLE = 4;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "TASK", description = "What to do (omit with --resume).")
    String task;

    @Option(names = "--workflow", paramLabel = "FILE", description = "A workflow (FSM YAML) to follow.")
    Path workflow;

    @Mixin
    EngineOption engine;

    @Option(names = "--model", paramLabel = "NAME", description = "Model name. Default: the configured one, else the first the engine lists.")
    String model;

    @Option(names = "--tool-protocol", paramLabel = "P", description = "How tool calls travel: auto (default: native if the engine probe finds tool calling, else a text protocol), native, hermes, llama3_json, react, json_action.")
    InferenceSettings.ToolProtocol toolProtocol;

    @Mixin
    ConfigOption config;

    @Option(names = "--mcp-config", paramLabel = "FILE",
            description = "MCP servers whose tools the agent may call (mcpServers / servers JSON). Default: tools.mcp_config in kairos.yaml.")
    Path mcpConfig;

    @Option(names = "--session", paramLabel = "NAME",
            description = "Continue this conversation, or start it under this name if there is none yet. Default: a new one.")
    String session;

    @Option(names = "--user", paramLabel = "NAME",
            description = "Whose memory the run recalls and adds to (with agent.memory.enabled). Default: the local OS user.")
    String user;

    @Option(names = "--resume", paramLabel = "RUN_ID", description = "Continue a run that crashed or was stopped.")
    String resume;

    @Option(names = "--yes", description = "Approve every call that needs confirmation.")
    boolean yes;

    @Option(names = "--json", description = "Print one JSON object at the end instead of the streamed answer.")
    boolean json;

    @Option(names = "--max-steps", paramLabel = "N", description = "Step limit (default: agent.max_steps in kairos.yaml, else 25).")
    Integer maxSteps;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "The run's deadline (default: agent.deadline in kairos.yaml, else 600).")
    Integer timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = System.err;
        if (resume == null && (task == null || task.isBlank())) {
            throw new CommandLine.ParameterException(spec.commandLine(), "TASK: must not be empty (or pass --resume RUN_ID)");
        }
        if (resume != null && (task != null || workflow != null || session != null || user != null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--resume: continues the run as it was; do not pass TASK, --workflow, --session or --user with it");
        }
        String who = resume == null ? AgentSetup.user(user, spec) : null;
        WorkflowSource wf = workflow(spec, workflow, err);
        AgentSetup setup;
        try {
            setup = AgentSetup.open(new AgentSetup.Options(config.file(), engine.url, model, toolProtocol, null, mcpConfig), spec, err);
        } catch (AgentSetup.Unavailable e) {
            err.println("kairos: " + e.getMessage());
            return UNAVAILABLE;
        }
        try (setup) {
            Limits limits = setup.limits;
            if (maxSteps != null) {
                limits = limits.withMaxSteps(positive("--max-steps", maxSteps));
            }
            if (timeoutSeconds != null) {
                limits = limits.withDeadline(Duration.ofSeconds(positive("--timeout", timeoutSeconds)));
            }
            Approver approver = yes ? Approver.APPROVE_ALL : System.console() != null
                    ? Approver.terminal(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), err)
                    : Approver.REFUSE;
            Agent agent = setup.agent(approver);
            Progress progress = new Progress(out, err, json);
            Run run;
            if (resume != null) {
                if (setup.runs() == RunStore.NONE) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--resume: runs are kept in the memory store, and memory.mode is off");
                }
                try {
                    run = agent.resume(resume, progress);
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--resume: " + e.getMessage());
                }
            } else {
                Conversation conv = setup.session(session, spec, err);
                run = agent.start(RunRequest.of(task).withWorkflow(wf).withConversation(conv).withLimits(limits)
                        .withModel(setup.main.model()).withUser(who), progress);
            }
            err.println("run " + run.id());
            RunResult result = awaitRun(run, limits, err);
            if (result == null) {
                return GUARD;
            }
            progress.finish(result);
            if (json) {
                out.println(new ObjectMapper().writeValueAsString(result.toJson()));
            }
            return exitCode(result.termination());
        }
    }

    /** The workflow file, loaded and validated (its file:line errors on stderr), or null. */
    static WorkflowSource workflow(CommandSpec spec, Path file, PrintStream err) throws IOException {
        if (file == null) {
            return null;
        }
        try {
            WorkflowSource wf = WorkflowSource.read(file);
            wf.load();
            return wf;
        } catch (NoSuchFileException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--workflow: no such file: " + file);
        } catch (WorkflowException e) {
            e.diagnostics().stream().map(Diagnostic::format).forEach(err::println);
            throw new CommandLine.ParameterException(spec.commandLine(), "--workflow: " + file + " does not validate");
        }
    }

    private int positive(String option, int value) {
        if (value < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": must be at least 1, was " + value);
        }
        return value;
    }

    /**
     * Waits for the run; on Ctrl-C (SIGINT/SIGTERM) it is stopped cleanly, so its last checkpoint says
     * CANCELLED. Null when it did not stop after its deadline.
     */
    static RunResult awaitRun(Run run, Limits limits, PrintStream err) throws InterruptedException {
        Thread hook = new Thread(run::cancel);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return run.await(limits.deadline().plus(Duration.ofMinutes(1)));
        } catch (TimeoutException e) {
            run.cancel();
            err.println("kairos: run " + run.id() + " did not stop after its deadline");
            return null;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // already running
            }
        }
    }

    static int exitCode(Termination t) {
        return switch (t) {
            case ANSWERED, ASKED_USER -> ANSWERED;
            case ENGINE_UNAVAILABLE -> UNAVAILABLE;
            case CANCELLED, FAILED -> 1;
            default -> t.byGuard() ? GUARD : 1;
        };
    }

    /** The memory store, when memory is on: runs and sessions are checkpointed there. */
    record Stores(MemoryGraph graph, RunStore runs) implements AutoCloseable {
        static Stores open(KairosConfig loaded, CommandSpec spec) {
            if (!MemoryConfig.enabled(loaded)) {
                return new Stores(null, RunStore.NONE);
            }
            dev.kairos.memory.MemorySettings settings;
            java.util.Optional<dev.kairos.memory.Embedder> embedder;
            try {
                settings = MemoryConfig.settings(loaded);
                // the embedder the store was made with (memory.embeddings), as serve and mcp open it: recall searches by it
                embedder = dev.kairos.server.config.EmbeddingsConfig.embedder(loaded);
            } catch (dev.kairos.server.config.ConfigException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
            }
            MemoryGraph g = embedder.isPresent() ? MemoryGraph.open(settings, embedder.get()) : MemoryGraph.open(settings);
            return new Stores(g, RunStore.inGraph(g.runs()));
        }

        @Override
        public void close() {
            if (graph != null) {
                graph.close();
            }
        }
    }

    /** Live progress on stderr, the answer on stdout. */
    static final class Progress implements java.util.function.Consumer<RunEvent> {
        private final PrintStream out;
        private final PrintStream err;
        private final boolean json;
        private final StringBuilder streamed = new StringBuilder();

        Progress(PrintStream out, PrintStream err, boolean json) {
            this.out = out;
            this.err = err;
            this.json = json;
        }

        @Override
        public synchronized void accept(RunEvent e) {
            switch (e) {
                case RunEvent.StepStarted s -> {
                    streamed.setLength(0);
                    err.println("step " + s.step());
                }
                case RunEvent.ContentDelta d -> {
                    streamed.append(d.text());
                    if (!json) {
                        out.print(d.text());
                        out.flush();
                    }
                }
                case RunEvent.ToolCallStarted s -> err.println("  -> " + s.call().name() + " " + abbreviate(s.call().arguments()));
                case RunEvent.ToolCallProgress p -> err.println("  .. " + p.call().name() + " " + p.progress()
                        + (p.total() != null ? "/" + p.total() : "") + (p.message() != null ? " " + p.message() : ""));
                case RunEvent.ToolCallFinished f -> err.println("  <- " + f.result().call().name() + " "
                        + f.result().outcome().name().toLowerCase(java.util.Locale.ROOT) + " in " + f.result().duration().toMillis() + " ms");
                case RunEvent.StateEntered s -> err.println("  state " + s.visit().path() + " (" + s.visit().reason() + ")");
                case RunEvent.ApprovalAsked a -> err.println("  ?  " + a.call().name() + " needs approval: " + a.why());
                case RunEvent.ApprovalDecided d -> err.println("  " + (d.approval().approved() ? "ok " : "no ") + d.approval().tool()
                        + " " + (d.approval().approved() ? "approved" : "refused") + " by " + d.approval().by());
                case RunEvent.Finished f -> {
                }
            }
        }

        synchronized void finish(RunResult r) {
            if (!json) {
                // An answer that was not streamed (a question asked through ask_user) is printed whole.
                if (!r.answer().isEmpty() && !streamed.toString().strip().equals(r.answer())) {
                    out.print(r.answer());
                }
                out.println();
            }
            err.println(r.termination().name().toLowerCase(java.util.Locale.ROOT) + " after " + r.steps() + " step(s)"
                    + (r.detail().isEmpty() ? "" : ": " + r.detail()) + "; tokens " + r.usage().totalTokens());
        }

        private static String abbreviate(String s) {
            return s.length() > 120 ? s.substring(0, 117) + "..." : s;
        }
    }
}
