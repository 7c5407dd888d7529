package dev.kairos.inference;

import java.util.Objects;

/** Whether the model may, must, or must not call tools, or which one it must call. */
public sealed interface ToolChoice {
    /** The model decides. */
    record Auto() implements ToolChoice {
    }

    /** The model must not call a tool. */
    record None() implements ToolChoice {
    }

    /** The model must call at least one tool. */
    record Required() implements ToolChoice {
    }

    /** The model must call this tool. */
    record Named(String name) implements ToolChoice {
        public Named {
            Objects.requireNonNull(name, "tool name");
        }
    }

    ToolChoice AUTO = new Auto();
    ToolChoice NONE = new None();
    ToolChoice REQUIRED = new Required();

    static ToolChoice named(String name) {
        return new Named(name);
    }
}
