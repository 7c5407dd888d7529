package dev.kairos.inference;

/** Why the model stopped. */
public enum FinishReason {
    STOP, LENGTH, TOOL_CALLS, CONTENT_FILTER, CANCELLED, OTHER;

    /** Maps the engines' spellings ("stop", "length", "tool_calls", Ollama's done_reason...). */
    public static FinishReason of(String wire) {
        if (wire == null) {
            return OTHER;
        }
        return switch (wire) {
            case "stop", "eos", "end_turn" -> STOP;
            case "length", "max_tokens" -> LENGTH;
            case "tool_calls", "function_call", "tool_use" -> TOOL_CALLS;
            case "content_filter" -> CONTENT_FILTER;
            case "abort", "cancelled" -> CANCELLED;
            default -> OTHER;
        };
    }
}
