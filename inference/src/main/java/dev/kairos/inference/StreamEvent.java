package dev.kairos.inference;

/** What a streamed answer delivers, in order: deltas and completed calls, then usage, then the end. */
public sealed interface StreamEvent {
    /** A piece of the answer text. */
    record ContentDelta(String text) implements StreamEvent {
    }

    /** A piece of the model's reasoning ({@code <think>}, {@code reasoning_content}, Ollama's thinking). */
    record ReasoningDelta(String text) implements StreamEvent {
    }

    /**
     * A tool call whose name and arguments are complete. {@code answerComplete}: it was known complete only
     * once the whole answer was (the last call of a streamed turn, every call of a text protocol), so the
     * answer returns right after this event and starting the call early gains nothing.
     */
    record ToolCallCompleted(ToolCall call, boolean answerComplete) implements StreamEvent {
    }

    /** Token counts, when the engine sends them. */
    record UsageReport(Usage usage) implements StreamEvent {
    }

    /** The end of the stream, with the whole answer. */
    record End(ChatResponse response) implements StreamEvent {
    }
}
