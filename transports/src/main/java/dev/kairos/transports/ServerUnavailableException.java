package dev.kairos.transports;

/** A downstream server could not take or finish a request: not started, exited, unreachable, or silent past the deadline. */
public class ServerUnavailableException extends RuntimeException {
    public ServerUnavailableException(String message) {
        super(message);
    }

    public ServerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
