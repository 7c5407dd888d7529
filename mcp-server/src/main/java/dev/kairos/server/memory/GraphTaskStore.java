package dev.kairos.server.memory;

import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.TaskRecords;
import dev.kairos.memory.TaskRecords.TaskRecord;
import dev.kairos.transports.TaskStore;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** MCP tasks kept in the memory's Neo4j database, shared by every instance on it. */
public final class GraphTaskStore implements TaskStore {
    private final MemoryGraph memory;

    public GraphTaskStore(MemoryGraph memory) {
        this.memory = memory;
    }

    private TaskRecords records() {
        return memory.tasks();
    }

    @Override
    public void create(StoredTask t) {
        records().create(new TaskRecord(t.taskId(), t.owner(), t.tool(), t.status(), t.statusMessage(), t.detail(),
                t.answeredKeys(), t.instance(), t.heartbeatAt(), t.createdAt(), t.updatedAt(), t.ttlMs()));
    }

    @Override
    public Optional<StoredTask> find(String taskId, String owner) {
        return records().find(taskId, owner).map(GraphTaskStore::stored);
    }

    @Override
    public Optional<StoredTask> update(String taskId, String instance, String status, String statusMessage, String detail, Instant now) {
        return records().update(taskId, instance, status, statusMessage, detail, now).map(GraphTaskStore::stored);
    }

    @Override
    public boolean answer(String taskId, String owner, Map<String, String> responses, Instant now) {
        return records().answer(taskId, owner, responses, now);
    }

    @Override
    public Map<String, String> takeAnswers(String taskId) {
        return records().takeAnswers(taskId);
    }

    @Override
    public boolean cancel(String taskId, String owner, Instant now) {
        return records().cancel(taskId, owner, now);
    }

    @Override
    public Optional<StoredTask> claim(String taskId, String instance, Instant staleBefore, Instant now) {
        return records().claim(taskId, instance, staleBefore, now).map(GraphTaskStore::stored);
    }

    @Override
    public int deleteExpired(Instant now) {
        return records().deleteExpired(now);
    }

    private static StoredTask stored(TaskRecord t) {
        return new StoredTask(t.taskId(), t.owner(), t.tool(), t.status(), t.statusMessage(), t.detail(), t.answeredKeys(),
                t.instance(), t.heartbeatAt(), t.createdAt(), t.updatedAt(), t.ttlMs());
    }
}
