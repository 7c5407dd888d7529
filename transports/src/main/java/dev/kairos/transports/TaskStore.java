package dev.kairos.transports;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where MCP tasks (the {@code io.modelcontextprotocol/tasks} extension) are kept, so that any
 * instance sharing the store can answer {@code tasks/get} for them and take over a task whose
 * instance stopped. Every read and change names the task's owner (the caller's principal): another
 * principal's task is unknown. Implementations are thread-safe; {@link #create} is durable on return.
 */
public interface TaskStore {

    /**
     * One task as stored.
     *
     * @param detail      what the running instance keeps (JSON text: the request, the caller, input requests, result or error)
     * @param answeredKeys keys of input responses delivered but not yet taken by the running instance
     * @param instance    the instance running it; {@code heartbeatAt} is when that instance last said so
     */
    record StoredTask(String taskId, String owner, String tool, String status, String statusMessage, String detail,
                      Set<String> answeredKeys, String instance, Instant heartbeatAt, Instant createdAt,
                      Instant updatedAt, long ttlMs) {
        public StoredTask {
            answeredKeys = answeredKeys == null ? Set.of() : Set.copyOf(answeredKeys);
        }

        public boolean terminal() {
            return isTerminal(status);
        }
    }

    static boolean isTerminal(String status) {
        return "completed".equals(status) || "failed".equals(status) || "cancelled".equals(status);
    }

    /** Stores a new task (durably, before the client hears of it). */
    void create(StoredTask task);

    /** The task, if it exists, belongs to {@code owner} and has not expired. */
    Optional<StoredTask> find(String taskId, String owner);

    /**
     * The running instance's update: status, message and detail (null: the detail is unchanged, so a
     * heartbeat does not rewrite a large one), with a fresh heartbeat. Changes
     * nothing and returns the stored task as it is when the task is terminal already (cancelled) or
     * another instance has taken it over; empty when the task is gone.
     */
    Optional<StoredTask> update(String taskId, String instance, String status, String statusMessage, String detail, Instant now);

    /** Delivers input responses (JSON text each) for the running instance to take; false when no such task of {@code owner}. */
    boolean answer(String taskId, String owner, Map<String, String> responses, Instant now);

    /** Takes (and removes) the delivered input responses. */
    Map<String, String> takeAnswers(String taskId);

    /** Marks the task cancelled unless it is terminal already; false when no such task of {@code owner}. */
    boolean cancel(String taskId, String owner, Instant now);

    /**
     * Takes over a task that is not terminal and whose heartbeat is older than {@code staleBefore}:
     * at most one instance succeeds. Returns the task as taken.
     */
    Optional<StoredTask> claim(String taskId, String instance, Instant staleBefore, Instant now);

    /** Removes tasks idle (no update, no heartbeat) for longer than their time to live; returns how many. A running task is never idle. */
    int deleteExpired(Instant now);

    /** A store in this process's memory: tasks end with it (for when no database is configured). */
    static TaskStore inMemory() {
        return new dev.kairos.transports.internal.InMemoryTaskStore();
    }
}
