package dev.kairos.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.agent.Checkpoint;
import dev.kairos.agent.RunStore;
import dev.kairos.agent.StateVisit;
import dev.kairos.agent.ToolCallResult;
import dev.kairos.inference.Message;
import dev.kairos.server.config.KairosConfig;
import dev.kairos.server.config.MemoryConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/** {@code kairos runs list|show}: the agent runs kept in the memory store. */
@Command(name = "runs", mixinStandardHelpOptions = true, description = "List agent runs, or show one run's trace.",
        subcommands = {RunsCommand.ListRuns.class, RunsCommand.Show.class})
public final class RunsCommand {

    abstract static class Base implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOption config;

        @Option(names = "--json", description = "Print JSON instead of text.")
        boolean json;

        final ObjectMapper mapper = new ObjectMapper();
        final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);

        @Override
        public Integer call() throws Exception {
            KairosConfig loaded = config.load(spec);
            if (!MemoryConfig.enabled(loaded)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "runs are kept in the memory store, and memory.mode is off");
            }
            try (RunCommand.Stores stores = RunCommand.Stores.open(loaded, spec)) {
                return run(stores.runs());
            }
        }

        abstract int run(RunStore store) throws Exception;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The most recent runs, newest first.")
    static final class ListRuns extends Base {
        @Option(names = "--limit", defaultValue = "20", description = "How many (default ${DEFAULT-VALUE}).")
        int limit;

        @Override
        int run(RunStore store) throws Exception {
            if (limit < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--limit: must be >= 1, was " + limit);
            }
            var runs = store.list(limit);
            if (json) {
                ArrayNode a = mapper.createArrayNode();
                runs.forEach(r -> a.addObject().put("run_id", r.runId()).put("session", r.session()).put("task", r.task())
                        .put("status", r.status()).put("steps", r.steps()).put("updated_at", r.updatedAt().toString())
                        .put("owner", r.owner()));
                out.println(mapper.writeValueAsString(a));
            } else {
                runs.forEach(r -> out.printf("%s  %-14s %3d steps  %s  session %s  by %s  %s%n", r.updatedAt(), r.status(), r.steps(),
                        r.runId(), r.session(), r.owner(), r.task().length() > 60 ? r.task().substring(0, 57) + "..." : r.task()));
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One run's trace: steps, tool calls, states, approvals.")
    static final class Show extends Base {
        @Parameters(index = "0", paramLabel = "RUN_ID")
        String runId;

        @Override
        int run(RunStore store) throws Exception {
            Checkpoint c = store.load(runId).orElseThrow(() ->
                    new CommandLine.ParameterException(spec.commandLine(), "RUN_ID: no run '" + runId + "'"));
            if (json) {
                ObjectNode o = mapper.createObjectNode().put("run_id", c.runId()).put("session", c.request().conversation().session())
                        .put("task", c.request().task()).put("status", c.termination() == null ? "running" : c.termination().name().toLowerCase())
                        .put("steps", c.step()).put("answer", c.answer()).put("detail", c.detail());
                ArrayNode calls = o.putArray("tool_calls");
                c.calls().forEach(r -> calls.add(r.toJson()));
                ArrayNode inFlight = o.putArray("in_flight");
                c.inFlight().forEach(x -> inFlight.addObject().put("id", x.id()).put("name", x.name()).put("arguments", x.arguments()));
                ArrayNode states = o.putArray("states");
                c.states().forEach(s -> states.addObject().put("step", s.step()).put("state", s.path()).put("reason", s.reason()));
                ArrayNode approvals = o.putArray("approvals");
                c.approvals().forEach(a -> approvals.addObject().put("call_id", a.call().id()).put("tool", a.tool())
                        .put("approved", a.approved()).put("by", a.by()));
                o.putObject("usage").put("total_tokens", c.usage().totalTokens());
                out.println(mapper.writeValueAsString(o));
                return 0;
            }
            out.println("run " + c.runId() + "  session " + c.request().conversation().session());
            out.println("task: " + c.request().task());
            if (c.request().workflow() != null) {
                out.println("workflow: " + c.request().workflow().file());
            }
            for (Message m : c.messages()) {
                switch (m) {
                    case Message.User u -> out.println("user: " + u.text());
                    case Message.Assistant a -> {
                        if (!a.content().isBlank()) {
                            out.println("assistant: " + a.content().strip());
                        }
                        a.toolCalls().forEach(t -> out.println("  call " + t.id() + " " + t.name() + " " + t.arguments()));
                    }
                    case Message.ToolResult r -> {
                        ToolCallResult known = c.calls().stream().filter(x -> x.call().id().equals(r.toolCallId())).findFirst().orElse(null);
                        out.println("  result " + r.toolCallId() + (known == null ? "" : " " + known.outcome().name().toLowerCase()
                                + " in " + known.duration().toMillis() + " ms") + ": " + firstLine(r.content()));
                    }
                    case Message.System s -> {
                    }
                }
            }
            for (StateVisit s : c.states()) {
                out.println("state " + s.path() + " at step " + s.step() + " (" + s.reason() + ")");
            }
            c.approvals().forEach(a -> out.println("approval " + a.call().id() + " " + a.tool() + ": "
                    + (a.approved() ? "approved" : "refused") + " by " + a.by()));
            c.inFlight().forEach(x -> out.println("in flight: " + x.id() + " " + x.name()));
            out.println("status: " + (c.termination() == null ? "running (resume with kairos run --resume " + c.runId() + ")"
                    : c.termination().name().toLowerCase() + (c.detail() == null || c.detail().isEmpty() ? "" : ": " + c.detail()))
                    + "; " + c.step() + " steps; tokens " + c.usage().totalTokens());
            return 0;
        }

        private static String firstLine(String s) {
            String l = s.lines().findFirst().orElse("");
            return l.length() > 120 ? l.substring(0, 117) + "..." : l;
        }
    }
}
