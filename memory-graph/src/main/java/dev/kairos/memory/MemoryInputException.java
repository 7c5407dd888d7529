package dev.kairos.memory;

/** Bad input from a caller; {@link #field()} names the offending field or configuration key. */
public final class MemoryInputException extends MemoryException {
    private final String field;

    public MemoryInputException(String field, String problem) {
        super(field + ": " + problem, null);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
