package dev.kairos.agent;

/**
 * What a tool says about its own behaviour (MCP tool annotations); {@code null} where the server
 * said nothing, so callers can apply the spec's defaults (destructive and open-world unless told
 * otherwise, not read-only, not idempotent).
 */
public record ToolHints(Boolean readOnly, Boolean destructive, Boolean idempotent, Boolean openWorld) {
    public static final ToolHints NONE = new ToolHints(null, null, null, null);

    /** Read-only only when the server says so. */
    public boolean isReadOnly() {
        return Boolean.TRUE.equals(readOnly);
    }

    /** Destructive unless the server says it is not, or that it is read-only (spec default: true). */
    public boolean isDestructive() {
        return !isReadOnly() && !Boolean.FALSE.equals(destructive);
    }

    /** Idempotent only when the server says so (read-only tools are trivially safe to repeat). */
    public boolean isSafeToRepeat() {
        return isReadOnly() || Boolean.TRUE.equals(idempotent);
    }
}
