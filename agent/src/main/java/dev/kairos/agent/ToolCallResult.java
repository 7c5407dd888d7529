package dev.kairos.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.Message;
import dev.kairos.inference.ToolCall;

import java.time.Duration;
import java.util.Objects;

/**
 * The result of one call, tied to the model's call id: the text the model reads (already converted
 * and capped), the structured content when the tool gave one, how it ended, and how long it took.
 */
public record ToolCallResult(ToolCall call, String text, JsonNode structured, ToolOutcome outcome,
                             Duration duration, int attempts) {
    public ToolCallResult {
        Objects.requireNonNull(call, "call");
        Objects.requireNonNull(outcome, "outcome");
        text = text == null ? "" : text;
        duration = duration == null ? Duration.ZERO : duration;
    }

    /** The message that enters the conversation. */
    public Message.ToolResult toMessage() {
        return new Message.ToolResult(call.id(), call.name(), text, outcome.isError());
    }

    /** The call as one JSON object, as {@code kairos run --json} lists it (id, name, arguments, outcome, duration, text). */
    public com.fasterxml.jackson.databind.node.ObjectNode toJson() {
        return dev.kairos.agent.internal.CheckpointJson.result(this);
    }
}
