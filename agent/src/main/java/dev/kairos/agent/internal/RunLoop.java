package dev.kairos.agent.internal;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.agent.AgentMemory;
import dev.kairos.agent.Approval;
import dev.kairos.agent.Approver;
import dev.kairos.agent.CatalogueTool;
import dev.kairos.agent.Checkpoint;
import dev.kairos.agent.Conversation;
import dev.kairos.agent.Limits;
import dev.kairos.agent.MemoryOptions;
import dev.kairos.agent.RunEvent;
import dev.kairos.agent.RunRequest;
import dev.kairos.agent.RunResult;
import dev.kairos.agent.RunStore;
import dev.kairos.agent.StateVisit;
import dev.kairos.agent.Termination;
import dev.kairos.agent.ToolCallResult;
import dev.kairos.agent.ToolCatalogue;
import dev.kairos.agent.ToolEvent;
import dev.kairos.agent.ToolExecutor;
import dev.kairos.agent.ToolOutcome;
import dev.kairos.fsm.WorkflowException;
import dev.kairos.inference.ChatClient;
import dev.kairos.inference.ChatRequest;
import dev.kairos.inference.ChatResponse;
import dev.kairos.inference.EngineException;
import dev.kairos.inference.Message;
import dev.kairos.inference.ResponseFormat;
import dev.kairos.inference.Sampling;
import dev.kairos.inference.StreamEvent;
import dev.kairos.inference.Timers;
import dev.kairos.inference.ToolCall;
import dev.kairos.inference.ToolChoice;
import dev.kairos.inference.ToolSpec;
import dev.kairos.inference.Usage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One run of the agent: model turn, tool calls, results, until an answer or a guard. The assistant
 * message and all its results enter the history together, never one without the other; the system
 * prompt and the tools stay byte for byte the same between steps and the history is only appended.
 */
public final class RunLoop implements Callable<RunResult> {
    private static final Logger LOG = LoggerFactory.getLogger(RunLoop.class);
    static final String DEFAULT_SYSTEM = "You are Kairos, an agent that completes the user's task with the tools"
            + " you are given. Call a tool when it helps; calls that do not depend on each other go in the same turn."
            + " When a tool fails, read its message and correct course. When you are done, answer the user directly.";
    private static final int ENGINE_STEP_RETRIES = 2;
    private static final int NUDGES = 2;

    private final String runId;
    private final RunRequest request;
    private final ChatClient engine;
    private final ChatClient smallEngine;
    private final ChatClient slotEngine;
    private final ToolCatalogue catalogue;
    private final ToolExecutor executor;
    private final Approver approver;
    private final RunStore store;
    private final Consumer<RunEvent> events;
    private final Limits limits;
    private final String system;
    private final Instant deadlineAt;

    private final List<Message> messages;
    private int step;
    private Usage usage = Usage.NONE;
    private final Map<String, Integer> perTool = new HashMap<>();
    private final Map<String, Integer> repeats = new HashMap<>();
    private final List<ToolCallResult> calls = Collections.synchronizedList(new ArrayList<>());
    private final List<StateVisit> states = Collections.synchronizedList(new ArrayList<>());
    private final List<Approval> approvals = Collections.synchronizedList(new ArrayList<>());
    private final Set<String> earlyIds = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Checkpoint resumedFrom;
    private WorkflowRun workflow;
    private List<ToolSpec> reactTools;

    /** The agent's memory in this run (null when the agent has none), and what it shows the model. */
    private final RunMemory memory;
    private final int userIndex;
    private Conversation.Summary summary;
    private String memoryBlock;
    private String recallBlock;
    private String storedProfile;

    private volatile Thread runner;
    private volatile ToolExecutor.Turn turn;
    private volatile boolean cancelled;
    private volatile boolean expired;

    /**
     * @param smallEngine the model for transition choices (may be the main one)
     * @param slotEngine  the small model that fills slots from the user's message, or null: the main
     *                    model fills them through the built-in tool
     */
    public RunLoop(String runId, RunRequest request, ChatClient engine, ChatClient smallEngine, ChatClient slotEngine,
                   ToolCatalogue catalogue, ToolExecutor executor, Approver approver, RunStore store,
                   Consumer<RunEvent> events, Checkpoint resumedFrom, AgentMemory agentMemory, MemoryOptions memoryOptions) {
        this.runId = runId;
        this.request = request;
        this.engine = engine;
        this.smallEngine = smallEngine;
        this.slotEngine = slotEngine;
        this.catalogue = catalogue;
        this.executor = executor;
        this.approver = approver;
        this.store = store;
        this.limits = request.limits();
        this.system = request.system() == null || request.system().isBlank() ? DEFAULT_SYSTEM : request.system();
        this.resumedFrom = resumedFrom;
        this.events = e -> {
            try {
                events.accept(e);
            } catch (RuntimeException ex) {
                LOG.warn("run {}: an event listener failed: {}", runId, ex.toString());
            }
        };
        if (resumedFrom == null) {
            this.messages = new ArrayList<>(request.conversation().messages());
            this.messages.add(Message.user(request.task()));
        } else {
            this.messages = new ArrayList<>(resumedFrom.messages());
            this.step = resumedFrom.step();
            this.usage = resumedFrom.usage();
            this.perTool.putAll(resumedFrom.callsPerTool());
            this.repeats.putAll(resumedFrom.repeats());
            this.calls.addAll(resumedFrom.calls());
            this.states.addAll(resumedFrom.states());
            this.approvals.addAll(resumedFrom.approvals());
        }
        this.memory = agentMemory == null ? null : new RunMemory(agentMemory, memoryOptions, smallEngine, runId);
        this.userIndex = request.conversation().messages().size();
        this.summary = resumedFrom != null ? resumedFrom.summary() : request.conversation().summary();
        // A resumed run gets its whole deadline again: the time it was down is not its fault.
        this.deadlineAt = Instant.now().plus(limits.deadline());
    }

    public void bind(Thread t) {
        this.runner = t;
    }

    /** Stops the run: the turn's calls are cancelled downstream and the loop ends CANCELLED. */
    public void cancel() {
        cancelled = true;
        stopNow();
    }

    private void stopNow() {
        ToolExecutor.Turn t = turn;
        if (t != null) {
            t.cancel();
        }
        Thread r = runner;
        if (r != null) {
            r.interrupt();
        }
    }

    @Override
    public RunResult call() {
        ScheduledFuture<?> watchdog = Timers.shared().schedule(() -> Thread.startVirtualThread(() -> {
            expired = true;
            stopNow();
        }), Math.max(1, Duration.between(Instant.now(), deadlineAt).toMillis()), TimeUnit.MILLISECONDS);
        RunResult result;
        try {
            result = loop();
            if (memory != null && (result.termination() == Termination.ANSWERED || result.termination() == Termination.ASKED_USER)) {
                try {
                    memory.afterTurn(request, result.answer(), storedProfile);
                } catch (RuntimeException e) {
                    LOG.warn("run {}: the turn was not kept in memory: {}", runId, e.toString());
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("run {} failed", runId, e);
            result = end(Termination.FAILED, "", "internal error: " + e);
        } finally {
            watchdog.cancel(false);
        }
        Thread.interrupted(); // a cancel that raced the end must not leak to the caller's thread
        events.accept(new RunEvent.Finished(runId, result));
        return result;
    }

    private RunResult loop() {
        if (request.workflow() != null) {
            try {
                workflow = new WorkflowRun(request.workflow(), resumedFrom != null ? resumedFrom.workflowSnapshot()
                        : request.conversation().workflowSnapshot(), smallEngine, null, slotEngine, this::entered);
            } catch (WorkflowException e) {
                return end(Termination.FAILED, "", "workflow " + request.workflow().file() + " does not validate:\n" + e.getMessage());
            } catch (RuntimeException e) {
                return end(Termination.FAILED, "", "workflow " + request.workflow().file() + ": " + e.getMessage());
            }
        } else {
            reactTools = catalogue.specs();
        }
        if (workflow != null && slotEngine != null && resumedFrom == null) {
            try {
                List<String> filled = workflow.extractSlots(request.task(), List.copyOf(messages), step);
                LOG.debug("run {}: the small model filled {}", runId, filled);
            } catch (EngineException e) {
                // not fatal: the main model sees what is missing and asks
                LOG.warn("run {}: the small model could not fill slots: {}", runId, e.getMessage());
            }
        }
        if (memory != null) {
            try {
                List<ToolSpec> tools = workflow != null ? workflow.specs(catalogue) : reactTools;
                RunMemory.Blocks b = memory.prepare(request, messages.subList(0, Math.min(userIndex, messages.size())), summary,
                        RunMemory.fixedTokens(system, tools));
                summary = b.summary();
                memoryBlock = b.stable();
                recallBlock = b.recall();
                storedProfile = b.profile();
            } catch (RuntimeException e) {
                LOG.warn("run {}: memory left out of this run: {}", runId, e.toString()); // memory never fails a run
            }
        }
        checkpoint(List.of());
        if (resumedFrom != null && !resumedFrom.inFlight().isEmpty()) {
            RunResult r = finishInterruptedTurn(resumedFrom.inFlight());
            if (r != null) {
                return r;
            }
        }
        int engineFailures = 0;
        int nudges = 0;
        String lastContent = "";
        while (true) {
            if (cancelled || expired) {
                return stopped(lastContent);
            }
            if (workflow != null && workflow.finished()) {
                return closeWorkflow();
            }
            if (step >= limits.maxSteps()) {
                return end(Termination.MAX_STEPS, lastContent, "stopped after " + step + " steps (limit " + limits.maxSteps() + ")");
            }
            if (limits.tokenBudget() > 0 && usage.totalTokens() >= limits.tokenBudget()) {
                return end(Termination.TOKEN_BUDGET, lastContent, "used " + usage.totalTokens() + " tokens (budget " + limits.tokenBudget() + ")");
            }
            events.accept(new RunEvent.StepStarted(runId, step + 1));
            boolean subtask = workflow != null && workflow.pendingSubtask() > 0;
            ChatRequest req = requestForStep();
            ChatResponse response;
            // Read-only calls whose arguments are complete start while the model is still talking; whatever
            // does not end up in this step's turn (the stream failed, a guard stopped the run) is dropped here.
            try (EarlyStarts early = new EarlyStarts()) {
                try {
                    response = engine.stream(req, e -> {
                        switch (e) {
                            case StreamEvent.ContentDelta(String text) -> events.accept(new RunEvent.ContentDelta(runId, text));
                            case StreamEvent.ToolCallCompleted(ToolCall c, boolean answerComplete) -> {
                                if (!answerComplete) {
                                    early.offer(c); // with the answer complete, the turn is about to run it anyway
                                }
                            }
                            default -> {
                            }
                        }
                    });
                } catch (EngineException.Cancelled e) {
                    return stopped(lastContent);
                } catch (EngineException e) {
                    early.close();
                    if (cancelled || expired) {
                        return stopped(lastContent);
                    }
                    // A stream cut after output began is not retried by the endpoint's resilience (the output was
                    // seen); the step can be: the history is unchanged. Everything else has had its retries.
                    boolean transientFault = e instanceof EngineException.ConnectionLost lost && lost.outputDelivered();
                    if (transientFault && ++engineFailures <= ENGINE_STEP_RETRIES) {
                        LOG.info("run {}: step {} failed ({}); trying the step again", runId, step + 1, e.getMessage());
                        continue; // the history is unchanged, so the retried request is the same prefix
                    }
                    return end(Termination.ENGINE_UNAVAILABLE, lastContent, "engine: " + e.getMessage());
                }
                engineFailures = 0;
                step++;
                usage = usage.plus(response.usage());
                if (!response.content().isBlank()) {
                    lastContent = response.content().strip();
                }
                if (!response.hasToolCalls()) {
                    if (workflow == null && request.requireTool() && calls.isEmpty()) {
                        messages.add(response.asMessage());
                        if (++nudges > NUDGES) {
                            checkpoint(List.of());
                            return end(Termination.NO_TOOL_CALL, lastContent, "the model answered " + nudges
                                    + " times without the tool call this task requires");
                        }
                        messages.add(Message.user("You answered without calling a tool, but this task requires one. "
                                + "Call one of the tools now: " + String.join(", ", reactTools.stream().map(ToolSpec::name).toList()) + "."));
                        checkpoint(List.of());
                        continue;
                    }
                    messages.add(response.asMessage());
                    if (subtask && workflow.pendingSubtask() > 0) {
                        // the sub-task's outcome: the state's transition is decided on it, and the run goes on
                        workflow.finishSubtask(response.content().strip(), true, List.copyOf(messages), step);
                        checkpoint(List.of());
                        continue;
                    }
                    checkpoint(List.of());
                    if (workflow != null && !workflow.finished()) {
                        // Plain text in a workflow is said to the user; their reply comes with the next run.
                        return end(Termination.ASKED_USER, lastContent, "waiting for the user in " + workflow.path().relative());
                    }
                    return end(Termination.ANSWERED, lastContent, "");
                }
                List<ToolCall> turnCalls = withIds(response.toolCalls());
                if (turnCalls.size() > limits.maxCallsPerTurn()) {
                    return end(Termination.MAX_CALLS_PER_TURN, lastContent, "the model asked for " + turnCalls.size()
                            + " calls in one turn (limit " + limits.maxCallsPerTurn() + ")");
                }
                Map<String, Integer> tally = new HashMap<>(perTool);
                for (ToolCall c : turnCalls) {
                    int n = tally.merge(c.name(), 1, Integer::sum);
                    if (n > limits.maxCallsPerTool()) {
                        return end(Termination.MAX_CALLS_PER_TOOL, lastContent, "tool '" + c.name() + "' was called " + n
                                + " times (limit " + limits.maxCallsPerTool() + " per run)");
                    }
                }
                perTool.clear();
                perTool.putAll(tally);
                Set<String> blocked = new HashSet<>();
                for (ToolCall c : turnCalls) {
                    int n = repeats.merge(key(c), 1, Integer::sum);
                    if (n > limits.maxRepeats()) {
                        return end(Termination.REPEATED_CALL, lastContent, "the model repeated " + c.name() + " " + c.arguments()
                                + " " + n + " times, after it was told the call would not run again");
                    }
                    if (n == limits.maxRepeats()) {
                        blocked.add(c.id());
                    }
                }
                Message.Assistant assistant = new Message.Assistant(response.content(), turnCalls, response.reasoning());
                TurnOutcome outcome = runTurn(assistant, turnCalls, blocked, Set.of(), early.turn());
                if (outcome.stop() != null) {
                    return outcome.stop();
                }
                if (outcome.question() != null) {
                    return end(Termination.ASKED_USER, outcome.question(), "waiting for the user in " + workflow.path().relative());
                }
                if (subtask && workflow.pendingSubtask() > 0 && workflow.subtaskStep()) {
                    // the sub-task used its steps without an outcome: decide on what there is
                    workflow.finishSubtask(response.content().strip(), false, List.copyOf(messages), step);
                    checkpoint(List.of());
                }
            }
        }
    }

    /**
     * The read-only calls of one model turn started before the turn ended (their arguments streamed in
     * complete). Only calls the turn would run anyway start early: known, read-only, needing no approval,
     * allowed in the workflow's state, within the loop guards. Closing it cancels what is still running;
     * after the turn took the calls over that is a no-op.
     */
    private final class EarlyStarts implements AutoCloseable {
        private final Set<String> historyIds = new HashSet<>();
        private final Set<String> ids = new HashSet<>();
        private final Map<String, Integer> tally = new HashMap<>();
        private final Map<String, Integer> keys = new HashMap<>();
        private int completed;
        private ToolExecutor.Turn turn;
        private boolean closed;

        EarlyStarts() {
            for (Message m : messages) {
                if (m instanceof Message.Assistant a) {
                    a.toolCalls().forEach(c -> historyIds.add(c.id()));
                }
            }
        }

        /** Called from the stream's thread for each call whose arguments are complete. */
        synchronized void offer(ToolCall c) {
            completed++;
            if (closed || cancelled || expired || completed > limits.maxCallsPerTurn()) {
                return;
            }
            // The same id as the turn will give it (see withIds), so the turn finds the call already running.
            if (c.id().isBlank() || historyIds.contains(c.id()) || !ids.add(c.id()) || !c.argumentsParse()) {
                return;
            }
            CatalogueTool tool = catalogue.find(c.name()).orElse(null);
            if (tool == null || !tool.readOnly() || needsApproval(tool)) {
                return;
            }
            if (workflow != null && (WorkflowRun.builtin(c.name()) || !workflow.allowedTools().contains(c.name()))) {
                return;
            }
            if (perTool.getOrDefault(c.name(), 0) + tally.merge(c.name(), 1, Integer::sum) > limits.maxCallsPerTool()) {
                return;
            }
            String k = key(c);
            if (repeats.getOrDefault(k, 0) + keys.merge(k, 1, Integer::sum) >= limits.maxRepeats()) {
                return; // the turn would answer it with the repeat warning instead of running it
            }
            if (turn == null) {
                turn = executor.begin(RunLoop.this::onToolEvent);
                RunLoop.this.turn = turn;
            }
            earlyIds.add(c.id());
            LOG.debug("run {}: starting read-only call {} ({}) before the model's turn ended", runId, c.id(), c.name());
            turn.start(c);
        }

        /** The turn the early calls run in, handed to the turn's own handling (null when none started). */
        synchronized ToolExecutor.Turn turn() {
            return turn;
        }

        @Override
        public synchronized void close() {
            closed = true;
            if (turn != null) {
                turn.close();
                if (RunLoop.this.turn == turn) {
                    RunLoop.this.turn = null;
                }
            }
        }
    }

    /** The request of the next step: the same system prompt and tools as before (per workflow state), then the history. */
    private ChatRequest requestForStep() {
        List<Message> all = new ArrayList<>(messages.size() + 1);
        List<ToolSpec> tools;
        if (workflow != null) {
            all.add(Message.system(system + "\n\n" + workflow.statePrompt(messages, userProfile())));
            tools = workflow.pendingSubtask() > 0 ? workflow.subtaskSpecs(catalogue) : workflow.specs(catalogue);
        } else {
            all.add(Message.system(system));
            tools = reactTools;
        }
        all.addAll(window());
        return new ChatRequest(request.model(), all, tools, ToolChoice.AUTO, true, ResponseFormat.TEXT, Sampling.DEFAULTS);
    }

    /**
     * What follows the system prompt: with memory, the blocks that change seldom (profile, summary),
     * then the window (the messages the summary does not cover), with this run's message carrying its
     * recall block; the same for every step of the run, so each step's prompt extends the last one.
     */
    private List<Message> window() {
        if (memory == null) {
            return messages;
        }
        List<Message> out = new ArrayList<>(messages.size() + 1);
        if (memoryBlock != null) {
            out.add(Message.system(memoryBlock));
        }
        int from = summary == null ? 0 : Math.min(summary.covers(), userIndex);
        for (int i = from; i < messages.size(); i++) {
            Message m = messages.get(i);
            if (i == userIndex && recallBlock != null && m instanceof Message.User u) {
                m = Message.user(recallBlock + "\n\n" + u.text());
            }
            out.add(m);
        }
        return out;
    }

    /** The profile a workflow's prompt shows: the request's, else the one the memory keeps. */
    private String userProfile() {
        return request.userProfile() != null ? request.userProfile() : storedProfile;
    }

    private record TurnOutcome(RunResult stop, String question) {
    }

    /**
     * Runs the calls of one turn and appends the assistant message with all of its results. Calls that
     * need approval are asked on their own threads while the others run; refused ones are not run.
     */
    private TurnOutcome runTurn(Message.Assistant assistant, List<ToolCall> turnCalls, Set<String> blocked,
                                Set<String> interrupted, ToolExecutor.Turn started) {
        checkpoint(turnCalls, assistant);
        Map<String, ToolCallResult> results = new LinkedHashMap<>();
        List<ToolCall> builtins = new ArrayList<>();
        List<ToolCall> toExecutor = new ArrayList<>();
        Map<String, CompletableFuture<Approval>> asked = new LinkedHashMap<>();
        boolean stoppedMidTurn = false;
        try (ToolExecutor.Turn t = started != null ? started : executor.begin(this::onToolEvent)) {
            turn = t;
            for (ToolCall c : turnCalls) {
                if (blocked.contains(c.id())) {
                    results.put(c.id(), result(c, ToolOutcome.TOOL_ERROR, "This exact call (" + c.name() + " with the same arguments) has now been made "
                            + limits.maxRepeats() + " times; it was not run again. Use the results you already have or try something else."));
                } else if (interrupted.contains(c.id())) {
                    ToolCallResult r = result(c, ToolOutcome.INTERRUPTED, "This call was in flight when the run stopped; whether it"
                            + " took effect is unknown. It was not run again because it is not marked read-only or idempotent;"
                            + " check its effect before calling it again.");
                    results.put(c.id(), r);
                    events.accept(new RunEvent.ToolCallFinished(runId, r)); // reported like any finished call: terminal, progress
                } else if (workflow != null && WorkflowRun.builtin(c.name())) {
                    builtins.add(c);
                } else if (workflow != null && !workflow.allowedTools().contains(c.name())) {
                    results.put(c.id(), result(c, ToolOutcome.UNKNOWN_TOOL, "'" + c.name() + "' is not allowed in state "
                            + workflow.path().relative() + "; the tools allowed here are: " + workflow.usable() + "."));
                } else {
                    CatalogueTool tool = catalogue.find(c.name()).orElse(null);
                    if (tool != null && needsApproval(tool) && !approvedBefore(c)) {
                        asked.put(c.id(), ask(c, tool));
                    } else {
                        toExecutor.add(c);
                    }
                }
            }
            if (!asked.isEmpty()) {
                toExecutor.forEach(t::start); // they run while the approvals are asked; otherwise finish starts them
            }
            for (Map.Entry<String, CompletableFuture<Approval>> e : asked.entrySet()) {
                ToolCall c = turnCalls.stream().filter(x -> x.id().equals(e.getKey())).findFirst().orElseThrow();
                Approval a = awaitApproval(c, e.getValue());
                approvals.add(a);
                events.accept(new RunEvent.ApprovalDecided(runId, a));
                checkpoint(turnCalls, assistant);
                if (a.approved()) {
                    t.start(c);
                    toExecutor.add(c);
                } else {
                    results.put(c.id(), result(c, ToolOutcome.REFUSED, "The call was not run: approval was refused ("
                            + a.by() + (a.reason().isEmpty() ? "" : ": " + a.reason()) + "). Do not try it again;"
                            + " tell the user or do something else."));
                }
            }
            if (!toExecutor.isEmpty()) {
                for (ToolCallResult r : t.finish(toExecutor)) {
                    results.put(r.call().id(), r);
                }
            }
        } catch (InterruptedException e) {
            stoppedMidTurn = true;
        } finally {
            turn = null;
            asked.values().forEach(f -> f.cancel(true));
        }
        if (cancelled || expired) {
            stoppedMidTurn = true;
        }
        String question = null;
        List<Message> soFar = new ArrayList<>(messages);
        soFar.add(assistant);
        for (ToolCall c : builtins) {
            if (stoppedMidTurn) {
                break;
            }
            WorkflowRun.Outcome o = workflow.handle(c, soFar, step);
            results.put(c.id(), o.result());
            if (o.question() != null && question == null) {
                question = o.question();
            }
        }
        List<Message> turnMessages = new ArrayList<>();
        turnMessages.add(assistant);
        for (ToolCall c : turnCalls) {
            ToolCallResult r = results.get(c.id());
            if (r == null) {
                r = result(c, ToolOutcome.CANCELLED, "The run was stopped before this call finished.");
            }
            if (!toExecutor.contains(c) || earlyIds.contains(c.id())) {
                calls.add(r); // executor calls were recorded as they finished, except those started early
            }
            turnMessages.add(r.toMessage());
        }
        messages.addAll(turnMessages);
        checkpoint(List.of());
        if (stoppedMidTurn) {
            return new TurnOutcome(stopped(assistant.content()), null);
        }
        return new TurnOutcome(null, question);
    }

    /** On resume: the calls that were in flight re-run if safe to repeat, or are reported as interrupted. */
    private RunResult finishInterruptedTurn(List<ToolCall> inFlight) {
        Message last = messages.isEmpty() ? null : messages.getLast();
        if (!(last instanceof Message.Assistant assistant)) {
            return null;
        }
        messages.removeLast(); // it re-enters with its results below
        Set<String> interrupted = new HashSet<>();
        for (ToolCall c : inFlight) {
            if (workflow != null && WorkflowRun.builtin(c.name())) {
                continue; // in-process, and the snapshot is from before the turn: safe to do again
            }
            CatalogueTool tool = catalogue.find(c.name()).orElse(null);
            boolean safe = tool != null && (tool.descriptor().hints().isSafeToRepeat() || tool.retryable());
            boolean neverRan = tool != null && needsApproval(tool) && !approvedBefore(c);
            if (!safe && !neverRan) {
                interrupted.add(c.id());
            }
        }
        LOG.info("run {} resumed with {} call(s) in flight: {} re-run, {} reported as interrupted", runId, inFlight.size(),
                inFlight.size() - interrupted.size(), interrupted.size());
        TurnOutcome o = runTurn(assistant, assistant.toolCalls(), Set.of(), interrupted, null);
        if (o.stop() != null) {
            return o.stop();
        }
        if (o.question() != null) {
            return end(Termination.ASKED_USER, o.question(), "waiting for the user in " + workflow.path().relative());
        }
        return null;
    }

    /** Destructive unless the server says otherwise (the MCP default), or listed in its server's {@code confirm}. */
    static boolean needsApproval(CatalogueTool tool) {
        return tool.needsConfirmation() || tool.descriptor().hints().isDestructive();
    }

    private boolean approvedBefore(ToolCall c) {
        synchronized (approvals) {
            return approvals.stream().anyMatch(a -> a.call().id().equals(c.id()) && a.approved());
        }
    }

    private CompletableFuture<Approval> ask(ToolCall c, CatalogueTool tool) {
        String why = tool.descriptor().hints().isDestructive() ? "'" + tool.modelName() + "' may change or delete things"
                + (tool.descriptor().hints().destructive() == null ? " (it does not say it is harmless)" : " (destructive)")
                : "'" + tool.modelName() + "' is listed for confirmation by server '" + tool.provider() + "'";
        events.accept(new RunEvent.ApprovalAsked(runId, c, why));
        CompletableFuture<Approval> f = new CompletableFuture<>();
        Thread.ofVirtual().name("kairos-approval-" + c.id()).start(() -> {
            try {
                Approval a = approver.decide(new Approver.Request(runId, c, tool, why));
                f.complete(a == null ? new Approval(c, tool.modelName(), false, "approver", "no decision") : a);
            } catch (InterruptedException e) {
                f.complete(new Approval(c, tool.modelName(), false, "run", "the run stopped while approval was pending"));
            } catch (RuntimeException e) {
                f.complete(new Approval(c, tool.modelName(), false, "approver", "asking failed: " + e.getMessage()));
            }
        });
        return f;
    }

    private Approval awaitApproval(ToolCall c, CompletableFuture<Approval> f) throws InterruptedException {
        long left = Duration.between(Instant.now(), deadlineAt).toMillis();
        try {
            return f.get(Math.max(1, left), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return new Approval(c, c.name(), false, "run", "no decision before the run's deadline");
        } catch (ExecutionException e) {
            return new Approval(c, c.name(), false, "approver", "asking failed: " + e.getCause());
        }
    }

    private void onToolEvent(ToolEvent e) {
        switch (e) {
            case ToolEvent.Started s -> events.accept(new RunEvent.ToolCallStarted(runId, s.call(), s.provider()));
            case ToolEvent.Progress p -> events.accept(new RunEvent.ToolCallProgress(runId, p.call(), p.progress(), p.total(), p.message()));
            case ToolEvent.Finished f -> {
                if (!earlyIds.contains(f.result().call().id())) {
                    calls.add(f.result()); // a call started early is recorded only if its turn keeps it
                }
                events.accept(new RunEvent.ToolCallFinished(runId, f.result()));
            }
        }
    }

    private void entered(StateVisit v) {
        states.add(v);
        events.accept(new RunEvent.StateEntered(runId, v));
    }

    /** The closing answer of a finished workflow: one step with the final state's prompt and no tools. */
    private RunResult closeWorkflow() {
        String prompt = workflow.finalPrompt(messages, userProfile());
        if (step >= limits.maxSteps()) {
            return end(Termination.ANSWERED, lastAssistantText(), "workflow finished in " + workflow.path().relative());
        }
        events.accept(new RunEvent.StepStarted(runId, step + 1));
        List<Message> all = new ArrayList<>();
        all.add(Message.system(system + "\n\n" + prompt));
        all.addAll(window());
        try {
            ChatResponse r = engine.stream(new ChatRequest(request.model(), all, List.of(), ToolChoice.AUTO, true,
                    ResponseFormat.TEXT, Sampling.DEFAULTS), e -> {
                if (e instanceof StreamEvent.ContentDelta(String text)) {
                    events.accept(new RunEvent.ContentDelta(runId, text));
                }
            });
            step++;
            usage = usage.plus(r.usage());
            messages.add(new Message.Assistant(r.content()));
            checkpoint(List.of());
            return end(Termination.ANSWERED, r.content().strip(), "workflow finished in " + workflow.path().relative());
        } catch (EngineException e) {
            if (cancelled || expired) {
                return stopped(lastAssistantText());
            }
            return end(Termination.ENGINE_UNAVAILABLE, lastAssistantText(), "engine: " + e.getMessage());
        }
    }

    private String lastAssistantText() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i) instanceof Message.Assistant a && !a.content().isBlank()) {
                return a.content().strip();
            }
        }
        return "";
    }

    private RunResult stopped(String answer) {
        if (expired && !cancelled) {
            return end(Termination.DEADLINE, answer, "the run's deadline of " + limits.deadline().toMillis() + " ms passed");
        }
        return end(Termination.CANCELLED, answer, "the run was cancelled");
    }

    private RunResult end(Termination t, String answer, String detail) {
        Conversation conv = new Conversation(request.conversation().session(), messages,
                workflow != null ? workflow.snapshot() : request.conversation().workflowSnapshot(), summary);
        RunResult r = new RunResult(runId, conv.session(), answer, t, detail, step, snapshotOf(calls), snapshotOf(states),
                snapshotOf(approvals), usage, conv);
        save(List.of(), null, t, answer, detail);
        return r;
    }

    private void checkpoint(List<ToolCall> inFlight) {
        save(inFlight, null, null, null, null);
    }

    private void checkpoint(List<ToolCall> inFlight, Message.Assistant pending) {
        save(inFlight, pending, null, null, null);
    }

    private synchronized void save(List<ToolCall> inFlight, Message.Assistant pending, Termination t, String answer, String detail) {
        if (store == RunStore.NONE) {
            return;
        }
        List<Message> m = new ArrayList<>(messages);
        if (pending != null) {
            m.add(pending);
        }
        try {
            store.save(new Checkpoint(runId, request, step, m, workflow != null ? workflow.snapshot()
                    : request.conversation().workflowSnapshot(), usage, perTool, repeats, inFlight,
                    snapshotOf(calls), snapshotOf(states), snapshotOf(approvals), t, answer, detail, Instant.now(), summary));
        } catch (RuntimeException e) {
            // A run that cannot be checkpointed still runs; say so, loudly, once per failure.
            LOG.warn("run {}: checkpoint after step {} failed: {}", runId, step, e.toString());
        }
    }

    private static <T> List<T> snapshotOf(List<T> l) {
        synchronized (l) {
            return List.copyOf(l);
        }
    }

    /** Gives every call an id unique in the run (engines may leave them empty or repeat them). */
    private List<ToolCall> withIds(List<ToolCall> in) {
        Set<String> seen = new HashSet<>();
        for (Message m : messages) {
            if (m instanceof Message.Assistant a) {
                a.toolCalls().forEach(c -> seen.add(c.id()));
            }
        }
        List<ToolCall> out = new ArrayList<>(in.size());
        for (int i = 0; i < in.size(); i++) {
            ToolCall c = in.get(i);
            String id = c.id();
            if (id.isBlank() || !seen.add(id)) {
                id = "call_" + (step) + "_" + i;
                seen.add(id);
            }
            out.add(id.equals(c.id()) ? c : new ToolCall(id, c.name(), c.arguments()));
        }
        return out;
    }

    /** A call's identity for the repeat guard: its name and its arguments with keys sorted. */
    static String key(ToolCall c) {
        JsonNode args;
        try {
            args = c.parsedArguments();
        } catch (IllegalArgumentException e) {
            return c.name() + " " + c.arguments();
        }
        StringBuilder sb = new StringBuilder(c.name()).append(' ');
        canonical(args, sb);
        return sb.toString();
    }

    /** Compact JSON with object keys sorted, written directly: this runs for every call, and Jackson's toString did not pay. */
    private static void canonical(JsonNode n, StringBuilder out) {
        if (n instanceof ObjectNode o) {
            TreeMap<String, JsonNode> sorted = new TreeMap<>();
            o.properties().forEach(e -> sorted.put(e.getKey(), e.getValue()));
            out.append('{');
            sorted.forEach((k, v) -> {
                quoted(k, out).append(':');
                canonical(v, out);
                out.append(',');
            });
            close(out, '}');
        } else if (n.isArray()) {
            out.append('[');
            n.forEach(x -> {
                canonical(x, out);
                out.append(',');
            });
            close(out, ']');
        } else if (n.isTextual()) {
            quoted(n.textValue(), out);
        } else {
            out.append(n.asText()); // numbers, booleans, null
        }
    }

    private static StringBuilder quoted(String s, StringBuilder out) {
        out.append('"');
        JsonStringEncoder.getInstance().quoteAsString(s, out);
        return out.append('"');
    }

    /** Drops the trailing comma of a non-empty container and closes it. */
    private static void close(StringBuilder out, char close) {
        if (out.charAt(out.length() - 1) == ',') {
            out.setLength(out.length() - 1);
        }
        out.append(close);
    }

    private static ToolCallResult result(ToolCall c, ToolOutcome outcome, String text) {
        return new ToolCallResult(c, text, null, outcome, Duration.ZERO, 0);
    }
}
