package dev.kairos.server.agent;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.agent.Agent;
import dev.kairos.agent.Approval;
import dev.kairos.agent.Approver;
import dev.kairos.agent.Checkpoint;
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
import dev.kairos.server.Registry;
import dev.kairos.transports.Caller;
import dev.kairos.transports.Cancellations;
import dev.kairos.transports.TaskSpec;
import dev.kairos.transports.Tasks;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ElicitRequest;
import io.modelcontextprotocol.spec.McpSchema.ElicitResult;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The agent as MCP tools: {@code agent_run}, {@code agent_resume} and {@code agent_runs}. A progress
 * notification per step and per finished tool call; confirmations and {@code ask_user} questions go
 * to the client through elicitation when it supports it (otherwise calls that need approval are
 * refused and the question is the answer); the result's structured content is the {@code --json} shape.
 *
 * <p>Runs belong to the caller that started them ({@link Caller#principal()}: the bearer token over
 * HTTP, the local user over stdio): {@code agent_runs} lists and shows only the caller's runs, sessions
 * continue only the caller's conversations, and another principal's run reads exactly like an unknown id.
 */
public final class AgentMcpTools {
    private static final Logger LOG = LoggerFactory.getLogger(AgentMcpTools.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How many questions one call may put to the user before it returns. */
    private static final int MAX_QUESTIONS = 10;

    private final Function<McpSyncServerExchange, Agent> agent;
    private final RunStore store;
    private final Cancellations cancellations;
    private final Limits defaults;

    private AgentMcpTools(Function<McpSyncServerExchange, Agent> agent, RunStore store, Cancellations cancellations, Limits defaults) {
        this.agent = agent;
        this.store = store;
        this.cancellations = cancellations;
        this.defaults = defaults;
    }

    /**
     * @param agent    the agent for the client behind an exchange (its tools act as that client)
     * @param defaults the loop guards of a run whose arguments set none (the {@code agent:} section)
     */
    public static void register(Registry registry, Function<McpSyncServerExchange, Agent> agent, RunStore store, Limits defaults) {
        AgentMcpTools t = new AgentMcpTools(agent, store, registry.liveServers().cancellations(), defaults);
        // long runs: a client that declares the tasks extension gets a task handle, and the run survives its instance
        registry.taskTool(t.runTool(), TaskSpec.optional().resumedBy(t::resumeTask));
        registry.taskTool(t.resumeTool(), TaskSpec.optional().resumedBy(t::resumeTask));
        registry.tool(t.runsTool());
    }

    /** The runs of the caller behind this exchange. */
    private RunStore mine(McpSyncServerExchange exchange) {
        return store.ownedBy(Caller.of(exchange, "default").principal());
    }

    private static Map<String, Object> prop(String type, String description) {
        return Map.of("type", type, "description", description);
    }

    private SyncToolSpecification runTool() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("task", Map.of("type", "string", "minLength", 1, "description", "What the agent should do."));
        props.put("workflow", prop("string", "A workflow to follow: a file path, or the workflow's YAML itself."));
        props.put("session", prop("string", "Continue (or start) this conversation."));
        limitProperties(props, defaults);
        McpSchema.Tool tool = McpSchema.Tool.builder().name("agent_run").title("Run the Kairos agent")
                .description("Runs the agent on a task with its tools, or through a workflow's states, and returns its answer "
                        + "with every tool call, the states visited and the token usage. Reports progress per step.")
                .inputSchema(new McpSchema.JsonSchema("object", props, List.of("task"), false, null, null))
                .annotations(new McpSchema.ToolAnnotations("Run the Kairos agent", false, true, false, true, null))
                .build();
        return SyncToolSpecification.builder().tool(tool).callHandler(this::run).build();
    }

    /** The loop guards a call may set for its run; each overrides one limit of the defaults. */
    private static void limitProperties(Map<String, Object> props, Limits d) {
        props.put("max_steps", Map.of("type", "integer", "minimum", 1, "description", "Step limit (default " + d.maxSteps() + ")."));
        props.put("max_calls_per_turn", Map.of("type", "integer", "minimum", 1,
                "description", "Tool calls one model turn may ask for (default " + d.maxCallsPerTurn() + ")."));
        props.put("max_calls_per_tool", Map.of("type", "integer", "minimum", 1,
                "description", "Calls of one tool in the run (default " + d.maxCallsPerTool() + ")."));
        props.put("max_repeats", Map.of("type", "integer", "minimum", 1,
                "description", "The same call (name and arguments) before the run stops (default " + d.maxRepeats() + ")."));
        props.put("token_budget", Map.of("type", "integer", "minimum", 0,
                "description", "Tokens the run may use, 0 for no bound (default " + d.tokenBudget() + ")."));
        props.put("timeout_seconds", Map.of("type", "integer", "minimum", 1,
                "description", "The run's deadline in seconds (default " + d.deadline().toSeconds() + ")."));
    }

    /** {@code base} with the limits the arguments set. */
    static Limits limits(Limits base, Map<String, Object> args) {
        Limits l = base;
        if (args.get("max_steps") != null) {
            l = l.withMaxSteps(integer(args.get("max_steps"), "max_steps"));
        }
        if (args.get("max_calls_per_turn") != null) {
            l = l.withMaxCallsPerTurn(integer(args.get("max_calls_per_turn"), "max_calls_per_turn"));
        }
        if (args.get("max_calls_per_tool") != null) {
            l = l.withMaxCallsPerTool(integer(args.get("max_calls_per_tool"), "max_calls_per_tool"));
        }
        if (args.get("max_repeats") != null) {
            l = l.withMaxRepeats(integer(args.get("max_repeats"), "max_repeats"));
        }
        if (args.get("token_budget") != null) {
            Object o = args.get("token_budget");
            if (!(o instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() < 0) {
                throw new IllegalArgumentException("token_budget: must be an integer >= 0 (0: no bound), was " + o);
            }
            l = l.withTokenBudget(n.longValue());
        }
        if (args.get("timeout_seconds") != null) {
            l = l.withDeadline(Duration.ofSeconds(integer(args.get("timeout_seconds"), "timeout_seconds")));
        }
        return l;
    }

    private SyncToolSpecification resumeTool() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("run_id", Map.of("type", "string", "minLength", 1, "description", "The run to continue."));
        limitProperties(props, defaults);
        McpSchema.Tool tool = McpSchema.Tool.builder().name("agent_resume").title("Resume an agent run")
                .description("Continues a run that crashed or was stopped, from its last checkpoint. "
                        + "Limits given here replace the run's own (to give a run a guard stopped more room).")
                .inputSchema(new McpSchema.JsonSchema("object", props, List.of("run_id"), false, null, null))
                .annotations(new McpSchema.ToolAnnotations("Resume an agent run", false, true, false, true, null))
                .build();
        return SyncToolSpecification.builder().tool(tool).callHandler(this::resume).build();
    }

    private SyncToolSpecification runsTool() {
        McpSchema.Tool tool = McpSchema.Tool.builder().name("agent_runs").title("List agent runs")
                .description("Lists the most recent agent runs, or shows one run when run_id is given.")
                .inputSchema(new McpSchema.JsonSchema("object", Map.of(
                        "run_id", prop("string", "Show this run."),
                        "limit", Map.of("type", "integer", "minimum", 1, "maximum", 1000)), List.of(), false, null, null))
                .annotations(new McpSchema.ToolAnnotations("List agent runs", true, false, true, false, null))
                .build();
        return SyncToolSpecification.builder().tool(tool).callHandler(this::runs).build();
    }

    private CallToolResult run(McpSyncServerExchange exchange, CallToolRequest request) {
        Map<String, Object> args = request.arguments() == null ? Map.of() : request.arguments();
        Object task = args.get("task");
        if (!(task instanceof String t) || t.isBlank()) {
            return error("task: must be a non-empty string");
        }
        WorkflowSource wf;
        try {
            wf = workflow(args.get("workflow"));
        } catch (IllegalArgumentException e) {
            return error(e.getMessage());
        }
        Limits limits;
        try {
            limits = limits(defaults, args);
        } catch (IllegalArgumentException e) {
            return error(e.getMessage());
        }
        Conversation conv = Conversation.start(java.util.UUID.randomUUID().toString());
        if (args.get("session") instanceof String s && !s.isBlank()) {
            conv = mine(exchange).session(s).orElse(Conversation.start(s));
        }
        Agent a;
        try {
            a = agent.apply(exchange).withApprover(approver(exchange));
        } catch (RuntimeException e) {
            return error("the agent is not available: " + e.getMessage());
        }
        Progress progress = new Progress(exchange, request);
        // whose memory the run uses: always the caller's own principal, never a name the client sends
        RunRequest req = RunRequest.of(t).withWorkflow(wf).withConversation(conv).withLimits(limits).withUser(user(exchange));
        AtomicReference<Run> current = new AtomicReference<>();
        AtomicBoolean cancelled = new AtomicBoolean();
        // notifications/cancelled for this call stops the run and, through it, its calls downstream.
        try (AutoCloseable ignored = cancellations.register(progress.token(), () -> {
            cancelled.set(true);
            Run r = current.get();
            if (r != null) {
                r.cancel();
            }
        })) {
            RunResult r = await(started(exchange, current, cancelled, a.start(req, progress)), limits);
            for (int asked = 0; r.termination() == Termination.ASKED_USER && asked < MAX_QUESTIONS && !cancelled.get(); asked++) {
                Optional<String> reply = ask(exchange, r.answer());
                if (reply.isEmpty()) {
                    break;
                }
                r = await(started(exchange, current, cancelled, a.start(req.withRunId(null).withConversation(r.conversation())
                        .withTaskText(reply.get()), progress)), limits);
            }
            return result(r);
        } catch (WorkflowException e) {
            return error("workflow does not validate:\n" + e.diagnostics().stream().map(Diagnostic::format).reduce((x, y) -> x + "\n" + y).orElse(""));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error("the call was interrupted");
        } catch (Exception e) {
            LOG.warn("agent_run failed", e);
            return error("agent_run failed: " + e.getMessage());
        }
    }

    /** The run's user for the agent's memory: the principal of the caller's token (over stdio, {@code local}). */
    static String user(McpSyncServerExchange exchange) {
        return Caller.of(exchange, "default").principal();
    }

    /** Keeps the run that is going now, and stops it at once if the call was cancelled meanwhile. */
    private static Run started(McpSyncServerExchange exchange, AtomicReference<Run> current, AtomicBoolean cancelled, Run run) {
        current.set(run);
        Tasks.remember(exchange, run.id()); // a task's run: another instance resumes it from this run's checkpoint
        if (cancelled.get()) {
            run.cancel();
        }
        return run;
    }

    /**
     * Carries on, on this instance, a run whose task's instance stopped: from the run's last checkpoint
     * when it saved one, else from the start (it had done nothing yet).
     */
    private CallToolResult resumeTask(McpSyncServerExchange exchange, CallToolRequest request, String runId) {
        if (runId != null && mine(exchange).load(runId).isPresent()) {
            // the checkpoint holds the run's own loop guards
            return resume(exchange, CallToolRequest.builder().name("agent_resume").arguments(Map.of("run_id", runId))
                    .meta(request.meta()).build());
        }
        return "agent_resume".equals(request.name()) ? resume(exchange, request) : run(exchange, request);
    }

    private CallToolResult resume(McpSyncServerExchange exchange, CallToolRequest request) {
        Map<String, Object> args = request.arguments() == null ? Map.of() : request.arguments();
        if (!(args.get("run_id") instanceof String runId) || runId.isBlank()) {
            return error("run_id: must be a non-empty string");
        }
        Optional<Checkpoint> known = mine(exchange).load(runId);
        if (known.isEmpty()) {
            return error("run_id: no run '" + runId + "'" + (store == RunStore.NONE ? " (runs are kept in the memory store, and memory.mode is off)" : ""));
        }
        Limits limits;
        try {
            limits = limits(known.get().request().limits(), args);
        } catch (IllegalArgumentException e) {
            return error(e.getMessage());
        }
        Agent a;
        try {
            a = agent.apply(exchange).withApprover(approver(exchange));
        } catch (RuntimeException e) {
            return error("the agent is not available: " + e.getMessage());
        }
        Progress progress = new Progress(exchange, request);
        AtomicReference<Run> current = new AtomicReference<>();
        AtomicBoolean cancelled = new AtomicBoolean();
        try (AutoCloseable ignored = cancellations.register(progress.token(), () -> {
            cancelled.set(true);
            Run r = current.get();
            if (r != null) {
                r.cancel();
            }
        })) {
            return result(await(started(exchange, current, cancelled, a.resume(runId, limits, progress)), limits));
        } catch (IllegalArgumentException e) {
            return error("run_id: " + e.getMessage());
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return error("the call was interrupted");
            }
            LOG.warn("agent_resume failed", e);
            return error("agent_resume failed: " + e.getMessage());
        }
    }

    private CallToolResult runs(McpSyncServerExchange exchange, CallToolRequest request) {
        Map<String, Object> args = request.arguments() == null ? Map.of() : request.arguments();
        if (args.get("run_id") instanceof String id && !id.isBlank()) {
            Optional<Checkpoint> c = mine(exchange).load(id);
            if (c.isEmpty()) {
                return error("run_id: no run '" + id + "'");
            }
            Map<String, Object> out = new LinkedHashMap<>();
            Checkpoint k = c.get();
            out.put("run_id", k.runId());
            out.put("session", k.request().conversation().session());
            out.put("task", k.request().task());
            out.put("status", k.termination() == null ? "running" : k.termination().name().toLowerCase());
            out.put("steps", k.step());
            out.put("answer", k.answer());
            out.put("tool_calls", k.calls().stream().map(r -> Map.of("id", r.call().id(), "name", r.call().name(),
                    "outcome", r.outcome().name(), "duration_ms", r.duration().toMillis())).toList());
            out.put("states", k.states().stream().map(s -> Map.of("state", s.path(), "reason", s.reason())).toList());
            out.put("in_flight", k.inFlight().stream().map(x -> Map.of("id", x.id(), "name", x.name())).toList());
            return CallToolResult.builder().structuredContent(out).addTextContent(write(out)).build();
        }
        int limit;
        try {
            limit = args.get("limit") == null ? 20 : integer(args.get("limit"), "limit");
        } catch (IllegalArgumentException e) {
            return error(e.getMessage());
        }
        List<Map<String, Object>> list = mine(exchange).list(limit).stream().map(s -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("run_id", s.runId());
            m.put("session", s.session());
            m.put("task", s.task());
            m.put("status", s.status());
            m.put("steps", s.steps());
            m.put("updated_at", s.updatedAt().toString());
            return m;
        }).toList();
        Map<String, Object> out = Map.of("runs", list);
        return CallToolResult.builder().structuredContent(out).addTextContent(write(out)).build();
    }

    private static RunResult await(Run run, Limits limits) throws InterruptedException {
        try {
            return run.await(limits.deadline().plus(Duration.ofMinutes(1)));
        } catch (TimeoutException e) {
            run.cancel();
            throw new IllegalStateException("run " + run.id() + " did not stop after its deadline");
        } catch (InterruptedException e) {
            run.cancel(); // the call was cancelled: so is the run, and its calls downstream
            throw e;
        }
    }

    private static WorkflowSource workflow(Object w) {
        if (w == null) {
            return null;
        }
        if (!(w instanceof String s) || s.isBlank()) {
            throw new IllegalArgumentException("workflow: must be a file path or the workflow's YAML");
        }
        if (s.contains("\n")) {
            return new WorkflowSource("workflow", s);
        }
        try {
            return WorkflowSource.read(Path.of(s));
        } catch (IOException e) {
            throw new IllegalArgumentException("workflow: cannot read " + s + ": " + e.getMessage());
        }
    }

    private static int integer(Object o, String key) {
        if (o instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.intValue() >= 1) {
            return n.intValue();
        }
        throw new IllegalArgumentException(key + ": must be a positive integer, was " + o);
    }

    /** Elicitation when the client has it; otherwise nobody can be asked, and calls that need approval are refused. */
    private static Approver approver(McpSyncServerExchange exchange) {
        if (!canElicit(exchange)) {
            return Approver.REFUSE;
        }
        return r -> {
            Map<String, Object> schema = Map.of("type", "object", "properties", Map.of(
                    "approve", Map.of("type", "boolean", "title", "Approve", "description", "Run this call?")), "required", List.of("approve"));
            ElicitResult answer = exchange.createElicitation(ElicitRequest.builder(
                    "Approve " + r.tool().modelName() + " " + r.call().arguments() + "? " + r.why(), schema).build());
            boolean yes = answer.action() == ElicitResult.Action.ACCEPT && answer.content() != null
                    && Boolean.TRUE.equals(answer.content().get("approve"));
            return new Approval(r.call(), r.tool().modelName(), yes, "mcp client",
                    answer.action() == ElicitResult.Action.ACCEPT ? (yes ? "approved" : "refused") : answer.action().name().toLowerCase());
        };
    }

    private static Optional<String> ask(McpSyncServerExchange exchange, String question) {
        if (!canElicit(exchange)) {
            return Optional.empty();
        }
        Map<String, Object> schema = Map.of("type", "object", "properties", Map.of(
                "reply", Map.of("type", "string", "title", "Your reply")), "required", List.of("reply"));
        ElicitResult answer = exchange.createElicitation(ElicitRequest.builder(question, schema).build());
        if (answer.action() != ElicitResult.Action.ACCEPT || answer.content() == null
                || !(answer.content().get("reply") instanceof String reply) || reply.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(reply);
    }

    private static boolean canElicit(McpSyncServerExchange exchange) {
        McpSchema.ClientCapabilities caps = exchange.getClientCapabilities();
        return caps != null && caps.elicitation() != null;
    }

    private static CallToolResult result(RunResult r) {
        Map<String, Object> structured = JSON.convertValue(r.toJson(), new TypeReference<>() { });
        boolean failed = r.termination() == Termination.ENGINE_UNAVAILABLE || r.termination() == Termination.FAILED;
        String text = r.answer().isEmpty() ? r.termination().name().toLowerCase() + ": " + r.detail() : r.answer();
        return CallToolResult.builder().structuredContent(structured).addTextContent(text).isError(failed).build();
    }

    private static CallToolResult error(String message) {
        return CallToolResult.builder().addTextContent(message).isError(true).build();
    }

    private static String write(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            return String.valueOf(o);
        }
    }

    /** A progress notification per step and per finished tool call, when the client sent a progress token. */
    private static final class Progress implements java.util.function.Consumer<RunEvent> {
        private final McpSyncServerExchange exchange;
        private final Object token;
        private final AtomicInteger count = new AtomicInteger();

        Progress(McpSyncServerExchange exchange, CallToolRequest request) {
            this.exchange = exchange;
            Object asked = request.meta() == null ? null : request.meta().get("progressToken");
            // a task reports its progress in tasks/get whether or not the client asked for notifications
            this.token = asked == null && Tasks.inTask(exchange) ? "task-" + java.util.UUID.randomUUID() : asked;
        }

        Object token() {
            return token;
        }

        @Override
        public void accept(RunEvent e) {
            if (token == null) {
                return;
            }
            String message = switch (e) {
                case RunEvent.StepStarted s -> "step " + s.step();
                case RunEvent.ToolCallFinished f -> f.result().call().name() + " " + f.result().outcome().name().toLowerCase()
                        + " in " + f.result().duration().toMillis() + " ms";
                case RunEvent.StateEntered s -> "state " + s.visit().path();
                default -> null;
            };
            if (message == null) {
                return;
            }
            try {
                exchange.progressNotification(ProgressNotification.builder(token, count.incrementAndGet()).message(message).build());
            } catch (RuntimeException ex) {
                LOG.debug("progress notification failed: {}", ex.toString());
            }
        }
    }
}
