package dev.kairos.memory;

/** Neo4j refused or failed an operation (connection lost, schema mismatch, constraint broken). */
public final class MemoryStoreException extends MemoryException {
    public MemoryStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
