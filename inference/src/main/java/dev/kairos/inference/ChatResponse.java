package dev.kairos.inference;

import java.util.List;

/** The model's whole answer to one request. */
public record ChatResponse(String content, String reasoning, List<ToolCall> toolCalls,
                           FinishReason finishReason, Usage usage, Timings timings) {
    public ChatResponse {
        content = content == null ? "" : content;
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        finishReason = finishReason == null ? FinishReason.OTHER : finishReason;
        usage = usage == null ? Usage.NONE : usage;
        timings = timings == null ? Timings.NONE : timings;
    }

    /** The answer as a message to append to the conversation. */
    public Message.Assistant asMessage() {
        return new Message.Assistant(content, toolCalls, reasoning);
    }

    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }
}
