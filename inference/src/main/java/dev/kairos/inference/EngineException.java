package dev.kairos.inference;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** A call to an engine failed; the subtype says whether trying again may help. */
public abstract sealed class EngineException extends RuntimeException {
    private final URI endpoint;

    EngineException(URI endpoint, String message, Throwable cause) {
        super(endpoint + ": " + message, cause);
        this.endpoint = endpoint;
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Whether a retry may succeed (busy, loading, connection lost before any output). */
    public abstract boolean retryable();

    /** The engine is loading or busy (503, 429); it may say when to come back. */
    public static final class Unavailable extends EngineException {
        private final int status;
        private final Duration retryAfter;

        public Unavailable(URI endpoint, int status, Duration retryAfter, String body) {
            super(endpoint, "engine unavailable (HTTP " + status + ")"
                    + (retryAfter == null ? "" : ", retry after " + retryAfter.toMillis() + " ms") + ": " + body, null);
            this.status = status;
            this.retryAfter = retryAfter;
        }

        public int status() {
            return status;
        }

        public Optional<Duration> retryAfter() {
            return Optional.ofNullable(retryAfter);
        }

        @Override
        public boolean retryable() {
            return true;
        }
    }

    /** The connection failed or was reset; retryable only if nothing was delivered yet. */
    public static final class ConnectionLost extends EngineException {
        private final boolean outputDelivered;

        public ConnectionLost(URI endpoint, String message, boolean outputDelivered, Throwable cause) {
            super(endpoint, message, cause);
            this.outputDelivered = outputDelivered;
        }

        public boolean outputDelivered() {
            return outputDelivered;
        }

        @Override
        public boolean retryable() {
            return !outputDelivered;
        }
    }

    /** The engine refused the request or answered something we cannot read. */
    public static final class Rejected extends EngineException {
        private final int status;

        public Rejected(URI endpoint, int status, String message) {
            super(endpoint, (status > 0 ? "HTTP " + status + ": " : "") + message, null);
            this.status = status;
        }

        public int status() {
            return status;
        }

        @Override
        public boolean retryable() {
            return false;
        }
    }

    /** The first token or the whole answer did not come in time. */
    public static final class TimedOut extends EngineException {
        public TimedOut(URI endpoint, String message) {
            super(endpoint, message, null);
        }

        @Override
        public boolean retryable() {
            return false;
        }
    }

    /** The caller cancelled (interrupted) the call; the stream was closed. */
    public static final class Cancelled extends EngineException {
        public Cancelled(URI endpoint) {
            super(endpoint, "call cancelled, stream closed", null);
        }

        @Override
        public boolean retryable() {
            return false;
        }
    }

    /** No endpoint could take the call (circuit open, all slots busy, none with the capability). */
    public static final class NoEndpoint extends EngineException {
        public NoEndpoint(URI endpoint, String message, Throwable cause) {
            super(endpoint, message, cause);
        }

        @Override
        public boolean retryable() {
            return false;
        }
    }
}
