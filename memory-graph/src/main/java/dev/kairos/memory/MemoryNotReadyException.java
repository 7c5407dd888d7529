package dev.kairos.memory;

/** The graph did not become ready within the bounded wait ("memory is still starting …") or its start failed. */
public final class MemoryNotReadyException extends MemoryException {
    private final MemoryStatus status;

    public MemoryNotReadyException(String message, MemoryStatus status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public MemoryStatus status() {
        return status;
    }
}
