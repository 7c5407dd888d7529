package dev.kairos.inference;

import java.util.List;
import java.util.Objects;

/** One message of a conversation, as the engine sees it. */
public sealed interface Message {

    /** Instructions that frame the whole conversation. */
    record System(String text) implements Message {
        public System {
            Objects.requireNonNull(text, "system text");
        }
    }

    /** What the user said. */
    record User(String text) implements Message {
        public User {
            Objects.requireNonNull(text, "user text");
        }
    }

    /** What the model answered: text, reasoning kept apart, and the tools it asked to call. */
    record Assistant(String content, List<ToolCall> toolCalls, String reasoning) implements Message {
        public Assistant {
            content = content == null ? "" : content;
            toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        }

        public Assistant(String content) {
            this(content, List.of(), null);
        }
    }

    /** The result of one tool call, sent back to the model. */
    record ToolResult(String toolCallId, String toolName, String content, boolean isError) implements Message {
        public ToolResult {
            Objects.requireNonNull(toolName, "tool name");
            content = content == null ? "" : content;
        }
    }

    static Message system(String text) {
        return new System(text);
    }

    static Message user(String text) {
        return new User(text);
    }
}
