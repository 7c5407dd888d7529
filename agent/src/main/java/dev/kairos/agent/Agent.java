package dev.kairos.agent;

import dev.kairos.agent.internal.RunLoop;
import dev.kairos.inference.ChatClient;

import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Runs tasks: the ReAct loop over an engine and the catalogue's tools, or a workflow's states, with
 * loop guards, approvals for calls with consequences, and a checkpoint after every step.
 */
public final class Agent {
    private final ChatClient engine;
    private final ChatClient smallEngine;
    private final ChatClient slotEngine;
    private final ToolCatalogue catalogue;
    private final ToolExecutor executor;
    private final Approver approver;
    private final RunStore store;
    private final AgentMemory memory;
    private final MemoryOptions memoryOptions;

    /**
     * @param smallEngine the light model for slot filling and transition choices, or null. When given,
     *                    a workflow state's slots are taken from the user's message by one constrained
     *                    call to it (the slot schema as the JSON schema) instead of by the main model
     *                    through the {@code fill_slots} tool; transition choices go to it either way
     *                    (to the main model when it is null).
     */
    public Agent(ChatClient engine, ChatClient smallEngine, ToolCatalogue catalogue, ToolExecutor executor,
                 Approver approver, RunStore store) {
        this(engine, smallEngine, catalogue, executor, approver, store, null, null);
    }

    private Agent(ChatClient engine, ChatClient smallEngine, ToolCatalogue catalogue, ToolExecutor executor,
                  Approver approver, RunStore store, AgentMemory memory, MemoryOptions memoryOptions) {
        this.memory = memory;
        this.memoryOptions = memoryOptions;
        this.engine = Objects.requireNonNull(engine, "engine");
        this.slotEngine = smallEngine;
        this.smallEngine = smallEngine == null ? engine : smallEngine;
        this.catalogue = Objects.requireNonNull(catalogue, "catalogue");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.approver = approver == null ? Approver.REFUSE : approver;
        this.store = store == null ? RunStore.NONE : store;
    }

    public Agent(ChatClient engine, ToolCatalogue catalogue, ToolExecutor executor, Approver approver) {
        this(engine, null, catalogue, executor, approver, null);
    }

    /** The same agent with another approver (per caller: a terminal, an MCP client). */
    public Agent withApprover(Approver a) {
        return new Agent(engine, slotEngine, catalogue, executor, a, store, memory, memoryOptions);
    }

    /**
     * The same agent with memory: a window of recent turns and a rolling summary of older ones (made
     * by the small model, else the main one), recall from {@code memory} for each message, and, when
     * {@code options.profile()}, a profile per user (a run's {@link RunRequest#user()}), updated after
     * each turn and shown as {@code [UserProfile]}. {@code options} carries the context size that
     * decides what fits (see {@link MemoryOptions#fromProbe}).
     */
    public Agent withMemory(AgentMemory memory, MemoryOptions options) {
        return new Agent(engine, slotEngine, catalogue, executor, approver, store, Objects.requireNonNull(memory, "memory"),
                Objects.requireNonNull(options, "memory options"));
    }

    public RunStore store() {
        return store;
    }

    /**
     * Starts a run on a virtual thread; events go to {@code events} (from the run's threads).
     *
     * @throws dev.kairos.fsm.WorkflowException when the request's workflow does not validate
     */
    public Run start(RunRequest request, Consumer<RunEvent> events) {
        String id = request.runId() == null ? UUID.randomUUID().toString() : request.runId();
        if (request.workflow() != null) {
            request.workflow().load(); // bad input fails here, with the validator's file:line errors, before any run exists
        }
        RunLoop loop = new RunLoop(id, request, engine, smallEngine, slotEngine, catalogue, executor, approver, store,
                events == null ? e -> { } : events, null, memory, memoryOptions);
        return launch(id, loop);
    }

    /** Continues a run from its last checkpoint (after a crash or a stop). */
    public Run resume(String runId, Consumer<RunEvent> events) {
        return resume(runId, null, events);
    }

    /**
     * Continues a run from its last checkpoint under other loop guards ({@code null}: the run's own), for
     * a run that a guard stopped and that its user wants to give more room.
     */
    public Run resume(String runId, Limits limits, Consumer<RunEvent> events) {
        Checkpoint c = store.load(runId).orElseThrow(() -> new IllegalArgumentException("run '" + runId + "': no such run"));
        if (limits != null) {
            c = new Checkpoint(c.runId(), c.request().withLimits(limits), c.step(), c.messages(), c.workflowSnapshot(), c.usage(),
                    c.callsPerTool(), c.repeats(), c.inFlight(), c.calls(), c.states(), c.approvals(), c.termination(),
                    c.answer(), c.detail(), c.updatedAt(), c.summary());
        }
        RunLoop loop = new RunLoop(runId, c.request(), engine, smallEngine, slotEngine, catalogue, executor, approver, store,
                events == null ? e -> { } : events, c, memory, memoryOptions);
        return launch(runId, loop);
    }

    /** Runs to the end, waiting at most the run's deadline plus a minute. */
    public RunResult run(RunRequest request, Consumer<RunEvent> events) throws InterruptedException {
        Run run = start(request, events);
        try {
            return run.await(request.limits().deadline().plus(Duration.ofMinutes(1)));
        } catch (TimeoutException e) {
            run.cancel();
            throw new IllegalStateException("run " + run.id() + " did not stop after its deadline", e);
        } catch (InterruptedException e) {
            run.cancel();
            throw e;
        }
    }

    private static Run launch(String id, RunLoop loop) {
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        Thread t = Thread.ofVirtual().name("kairos-run-" + id).unstarted(() -> {
            try {
                result.complete(loop.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        loop.bind(t);
        t.start();
        return new Run(id, result, loop::cancel);
    }
}
