package dev.kairos.agent;

/** Why a run ended; each loop guard has its own reason. */
public enum Termination {
    /** The model gave its final answer. */
    ANSWERED,
    /** The workflow asked the user something; the next run continues with the reply. */
    ASKED_USER,
    /** The step limit was reached. */
    MAX_STEPS,
    /** One model turn asked for more calls than allowed. */
    MAX_CALLS_PER_TURN,
    /** One tool was called more often than allowed in this run. */
    MAX_CALLS_PER_TOOL,
    /** The same call (name and arguments) kept coming back after the model was told. */
    REPEATED_CALL,
    /** The token budget is spent. */
    TOKEN_BUDGET,
    /** The run's deadline passed. */
    DEADLINE,
    /** The model kept answering without a tool call where one was required. */
    NO_TOOL_CALL,
    /** The engine could not be reached or kept failing. */
    ENGINE_UNAVAILABLE,
    /** The run was cancelled. */
    CANCELLED,
    /** Something inside Kairos failed; the detail says what (never a stack trace). */
    FAILED;

    /** Whether a loop guard stopped the run (the terminal's exit code 3). */
    public boolean byGuard() {
        return switch (this) {
            case MAX_STEPS, MAX_CALLS_PER_TURN, MAX_CALLS_PER_TOOL, REPEATED_CALL, TOKEN_BUDGET, DEADLINE, NO_TOOL_CALL -> true;
            default -> false;
        };
    }
}
