package dev.kairos.agent;

/** How one tool call ended. */
public enum ToolOutcome {
    /** The tool ran and succeeded. */
    OK,
    /** The tool ran and reported an error. */
    TOOL_ERROR,
    /** The arguments did not match the tool's input schema; the call was not run. */
    INVALID_ARGUMENTS,
    /** The model named a tool that does not exist (or is not allowed here). */
    UNKNOWN_TOOL,
    /** The call passed its timeout and was cancelled downstream. */
    TIMEOUT,
    /** The run was cancelled while the call was in flight. */
    CANCELLED,
    /** The tool's server could not be reached (down, restarting, circuit open). */
    UNAVAILABLE,
    /** A person (or the policy) refused the call; it was not run. */
    REFUSED,
    /** The call was in flight when the run stopped; whether it took effect is unknown. */
    INTERRUPTED;

    /** Whether the result tells the model something went wrong. */
    public boolean isError() {
        return this != OK;
    }
}
