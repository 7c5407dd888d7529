package dev.kairos.fsm;

/** A snapshot that cannot be read or does not fit the machine it is restored into. */
public final class SnapshotException extends RuntimeException {
    public SnapshotException(String message) {
        super(message);
    }

    public SnapshotException(String message, Throwable cause) {
        super(message, cause);
    }
}
