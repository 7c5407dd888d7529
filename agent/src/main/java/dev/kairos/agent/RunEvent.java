package dev.kairos.agent;

import dev.kairos.inference.ToolCall;

/** What a run reports as it goes; drives the terminal, MCP progress notifications and the logs. */
public sealed interface RunEvent {
    /** The id of the run the event belongs to. */
    String runId();

    /** A model turn begins ({@code step} counts from 1). */
    record StepStarted(String runId, int step) implements RunEvent {
    }

    /** A piece of the model's answer text. */
    record ContentDelta(String runId, String text) implements RunEvent {
    }

    /** A tool call was sent to its tool. */
    record ToolCallStarted(String runId, ToolCall call, String provider) implements RunEvent {
    }

    /** A tool reported progress; {@code total} and {@code message} may be null. */
    record ToolCallProgress(String runId, ToolCall call, double progress, Double total, String message) implements RunEvent {
    }

    /** A tool call ended, with its outcome and duration. */
    record ToolCallFinished(String runId, ToolCallResult result) implements RunEvent {
    }

    /** The workflow entered a state. */
    record StateEntered(String runId, StateVisit visit) implements RunEvent {
    }

    /** A call needs approval and was put to the approver. */
    record ApprovalAsked(String runId, ToolCall call, String why) implements RunEvent {
    }

    /** The approver decided. */
    record ApprovalDecided(String runId, Approval approval) implements RunEvent {
    }

    /** The run ended. */
    record Finished(String runId, RunResult result) implements RunEvent {
    }
}
