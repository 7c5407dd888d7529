package dev.kairos.memory;

/** Counts for the given groups: episodes (and how many await extraction), entities, facts and currently true facts. */
public record MemoryStats(long episodes, long pendingEpisodes, long entities, long facts, long currentFacts) {
}
