package dev.kairos.agent;

import dev.kairos.inference.ToolCall;

/** What the executor reports while a turn's calls run. */
public sealed interface ToolEvent {
    /** A call was sent to its tool. */
    record Started(ToolCall call, String provider) implements ToolEvent {
    }

    /** The tool reported progress. {@code total} and {@code message} may be null. */
    record Progress(ToolCall call, double progress, Double total, String message) implements ToolEvent {
    }

    /** A call ended, in whatever way. */
    record Finished(ToolCallResult result) implements ToolEvent {
    }
}
