package dev.kairos.memory;

/** A uuid (or entity name) that names nothing in the graph. */
public final class MemoryNotFoundException extends MemoryException {
    private final String field;
    private final String id;

    public MemoryNotFoundException(String field, String kind, String id) {
        super(field + ": no " + kind + " with " + (field.toLowerCase(java.util.Locale.ROOT).endsWith("name") ? "name" : "uuid") + " '" + id + "'", null);
        this.field = field;
        this.id = id;
    }

    public String field() {
        return field;
    }

    public String id() {
        return id;
    }
}
