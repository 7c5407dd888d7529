package dev.kairos.memory;

/** Any failure of the memory graph; the subclasses say whether the caller, a missing record, or start-up is to blame. */
public abstract sealed class MemoryException extends RuntimeException
        permits MemoryInputException, MemoryNotFoundException, MemoryNotReadyException, MemoryStoreException {
    protected MemoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
