package dev.kairos.memory;

/** How much a delete removed. */
public record Deletion(long episodes, long entities, long facts) {
    public long total() {
        return episodes + entities + facts;
    }
}
