package dev.kairos.memory.ingest;

import dev.kairos.memory.Episode;

import java.util.List;
import java.util.Optional;

/** The durable ingest queue: each episode's extraction state, attempts, last error and raw answer, kept in Neo4j. */
public interface IngestQueue {

    /** One episode's place in the queue. */
    record Entry(String episodeUuid, String groupId, Episode.Extraction state, int attempts, String lastError, String rawAnswer) {}

    /** Episodes per state in the groups (all groups when empty). */
    record Counts(long pending, long processing, long done, long failed) {}

    /** Puts episodes left "processing" by a stopped process back to pending; returns how many. */
    int resumeInterrupted();

    /**
     * Takes or renews the queue's worker lease: one process works the queue at a time (several may share a store), so
     * a group's episodes are never taken out of order by two workers. The lease is free when nobody holds it, when
     * it has expired, or when its holder was a process on this machine that is gone (a crash frees it at once).
     *
     * @param worker who asks: {@code host/pid/instance}
     * @return whether {@code worker} holds the lease now
     */
    boolean holdLease(String worker, java.time.Duration ttl);

    /** Gives the lease up (a clean stop), so the next process need not wait for it to expire. */
    void releaseLease(String worker);

    /** Groups with pending episodes, at most {@code limit}. */
    List<String> pendingGroups(int limit);

    /** Marks the group's next pending episode (oldest by valid time, then by storage) processing and counts the attempt. */
    Optional<Episode> claimNext(String groupId);

    /** Records the end of an attempt: done, failed (with error and raw answer) or pending again (with the error). */
    void finish(String episodeUuid, Episode.Extraction state, String error, String rawAnswer);

    /** Puts the failed episodes of the groups (all when empty) back to pending with their attempts reset; returns how many. */
    int requeueFailed(List<String> groupIds);

    Counts counts(List<String> groupIds);

    Optional<Entry> entry(String episodeUuid);

    /** Failed episodes of the groups (all when empty), newest first. */
    List<Entry> failed(List<String> groupIds, int limit);
}
