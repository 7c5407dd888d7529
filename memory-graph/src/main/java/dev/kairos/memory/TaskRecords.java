package dev.kairos.memory;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * MCP tasks stored beside the memory (label {@code McpTask}), so that every Kairos instance on the
 * same database can answer for them and take over a task whose instance stopped. Each read and
 * change names the task's owner; another owner's task does not exist. The detail is JSON this module
 * does not read. Thread-safe; queries take parameters only.
 */
public interface TaskRecords {

    /** One task; {@code answeredKeys} are input responses delivered and not yet taken by the running instance. */
    record TaskRecord(String taskId, String owner, String tool, String status, String statusMessage, String detail,
                      Set<String> answeredKeys, String instance, Instant heartbeatAt, Instant createdAt,
                      Instant updatedAt, long ttlMs) {
        public TaskRecord {
            if (taskId == null || taskId.isBlank()) {
                throw new MemoryInputException("taskId", "is missing");
            }
            if (owner == null) {
                throw new MemoryInputException("owner", "is missing");
            }
            answeredKeys = answeredKeys == null ? Set.of() : Set.copyOf(answeredKeys);
        }
    }

    void create(TaskRecord task);

    Optional<TaskRecord> find(String taskId, String owner);

    /**
     * The running instance's write ({@code detail} null: unchanged); no change when the task is terminal or held by
     * another instance.
     */
    Optional<TaskRecord> update(String taskId, String instance, String status, String statusMessage, String detail, Instant now);

    boolean answer(String taskId, String owner, Map<String, String> responses, Instant now);

    Map<String, String> takeAnswers(String taskId);

    boolean cancel(String taskId, String owner, Instant now);

    /** Takes over a task that is not terminal and whose heartbeat is older than {@code staleBefore}; at most one caller wins. */
    Optional<TaskRecord> claim(String taskId, String instance, Instant staleBefore, Instant now);

    /** Removes tasks idle (no update, no heartbeat) for longer than their time to live; a running task is never idle. */
    int deleteExpired(Instant now);
}
