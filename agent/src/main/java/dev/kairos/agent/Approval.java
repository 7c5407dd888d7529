package dev.kairos.agent;

import dev.kairos.inference.ToolCall;

import java.util.Objects;

/** A decision on one call that needs confirmation, recorded with the call's id. */
public record Approval(ToolCall call, String tool, boolean approved, String by, String reason) {
    public Approval {
        Objects.requireNonNull(call, "call");
        by = by == null ? "" : by;
        reason = reason == null ? "" : reason;
    }
}
