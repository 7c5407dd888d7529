package dev.kairos.agent;

import dev.kairos.inference.Usage;

import java.util.List;

/**
 * How a run ended: its answer (or the question put to the user), the termination reason with a
 * line of detail, the steps taken, every tool call, the states visited, the approvals, the token
 * usage, and the conversation to continue from.
 */
public record RunResult(String runId, String session, String answer, Termination termination, String detail,
                        int steps, List<ToolCallResult> calls, List<StateVisit> states, List<Approval> approvals,
                        Usage usage, Conversation conversation) {
    public RunResult {
        answer = answer == null ? "" : answer;
        detail = detail == null ? "" : detail;
        calls = List.copyOf(calls);
        states = List.copyOf(states);
        approvals = List.copyOf(approvals);
        usage = usage == null ? Usage.NONE : usage;
    }

    /**
     * The run as one JSON object (the shape of {@code kairos run --json} and of {@code agent_run}'s
     * structured content): run id, session, answer, termination, steps, every tool call, the states
     * visited, the approvals and the token usage.
     */
    public com.fasterxml.jackson.databind.node.ObjectNode toJson() {
        return dev.kairos.agent.internal.CheckpointJson.report(this);
    }
}
