package dev.kairos.agent;

import dev.kairos.inference.Message;
import dev.kairos.inference.ToolCall;
import dev.kairos.inference.Usage;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A run's state as committed after every step: the request, the messages, the workflow snapshot,
 * the counters, the calls in flight (started, no result yet) and what has happened so far.
 * {@code termination} is null while the run is going; {@code summary} is the conversation's rolling
 * summary (null when the memory folded nothing).
 */
public record Checkpoint(String runId, RunRequest request, int step, List<Message> messages, String workflowSnapshot,
                         Usage usage, Map<String, Integer> callsPerTool, Map<String, Integer> repeats,
                         List<ToolCall> inFlight, List<ToolCallResult> calls, List<StateVisit> states,
                         List<Approval> approvals, Termination termination, String answer, String detail,
                         Instant updatedAt, Conversation.Summary summary) {
    public Checkpoint {
        messages = List.copyOf(messages);
        callsPerTool = Map.copyOf(callsPerTool);
        repeats = Map.copyOf(repeats);
        inFlight = List.copyOf(inFlight);
        calls = List.copyOf(calls);
        states = List.copyOf(states);
        approvals = List.copyOf(approvals);
        usage = usage == null ? Usage.NONE : usage;
    }

    public Checkpoint(String runId, RunRequest request, int step, List<Message> messages, String workflowSnapshot,
                      Usage usage, Map<String, Integer> callsPerTool, Map<String, Integer> repeats,
                      List<ToolCall> inFlight, List<ToolCallResult> calls, List<StateVisit> states,
                      List<Approval> approvals, Termination termination, String answer, String detail,
                      Instant updatedAt) {
        this(runId, request, step, messages, workflowSnapshot, usage, callsPerTool, repeats, inFlight, calls, states,
                approvals, termination, answer, detail, updatedAt, null);
    }

    /** The conversation as the next run of the session continues it. */
    public Conversation conversation() {
        return new Conversation(request.conversation().session(), messages, workflowSnapshot, summary);
    }

    /** Whether the run has ended. */
    public boolean ended() {
        return termination != null;
    }
}
