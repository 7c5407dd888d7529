package dev.kairos.agent;

/** The tool could not be reached: its server is down, restarting, or did not answer in time. */
public class ToolUnavailableException extends RuntimeException {
    public ToolUnavailableException(String message) {
        super(message);
    }

    public ToolUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
