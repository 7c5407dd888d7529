package dev.kairos.transports.internal;

import dev.kairos.transports.TaskStore;

import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Tasks in this process's memory, with the same rules as the database store. */
public final class InMemoryTaskStore implements TaskStore {
    private final Map<String, StoredTask> tasks = new HashMap<>();
    private final Map<String, Map<String, String>> answers = new HashMap<>();

    @Override
    public synchronized void create(StoredTask task) {
        tasks.put(task.taskId(), task);
    }

    @Override
    public synchronized Optional<StoredTask> find(String taskId, String owner) {
        StoredTask t = tasks.get(taskId);
        if (t == null || !t.owner().equals(owner)) {
            return Optional.empty();
        }
        return Optional.of(withAnswered(t));
    }

    private StoredTask withAnswered(StoredTask t) {
        Map<String, String> a = answers.getOrDefault(t.taskId(), Map.of());
        return new StoredTask(t.taskId(), t.owner(), t.tool(), t.status(), t.statusMessage(), t.detail(), a.keySet(),
                t.instance(), t.heartbeatAt(), t.createdAt(), t.updatedAt(), t.ttlMs());
    }

    @Override
    public synchronized Optional<StoredTask> update(String taskId, String instance, String status, String statusMessage,
                                                   String detail, Instant now) {
        StoredTask t = tasks.get(taskId);
        if (t == null) {
            return Optional.empty();
        }
        if (t.terminal() || !t.instance().equals(instance)) {
            return Optional.of(withAnswered(t));
        }
        String d = detail == null ? t.detail() : detail;
        StoredTask u = new StoredTask(t.taskId(), t.owner(), t.tool(), status, statusMessage, d, null,
                instance, now, t.createdAt(), status.equals(t.status()) && d.equals(t.detail()) ? t.updatedAt() : now, t.ttlMs());
        tasks.put(taskId, u);
        return Optional.of(withAnswered(u));
    }

    @Override
    public synchronized boolean answer(String taskId, String owner, Map<String, String> responses, Instant now) {
        StoredTask t = tasks.get(taskId);
        if (t == null || !t.owner().equals(owner)) {
            return false;
        }
        answers.computeIfAbsent(taskId, k -> new LinkedHashMap<>()).putAll(responses);
        return true;
    }

    @Override
    public synchronized Map<String, String> takeAnswers(String taskId) {
        Map<String, String> a = answers.remove(taskId);
        return a == null ? Map.of() : a;
    }

    @Override
    public synchronized boolean cancel(String taskId, String owner, Instant now) {
        StoredTask t = tasks.get(taskId);
        if (t == null || !t.owner().equals(owner)) {
            return false;
        }
        if (!t.terminal()) {
            tasks.put(taskId, new StoredTask(t.taskId(), t.owner(), t.tool(), "cancelled", "cancelled by the client", t.detail(),
                    null, t.instance(), t.heartbeatAt(), t.createdAt(), now, t.ttlMs()));
        }
        return true;
    }

    @Override
    public synchronized Optional<StoredTask> claim(String taskId, String instance, Instant staleBefore, Instant now) {
        StoredTask t = tasks.get(taskId);
        if (t == null || t.terminal() || !t.heartbeatAt().isBefore(staleBefore)) {
            return Optional.empty();
        }
        StoredTask u = new StoredTask(t.taskId(), t.owner(), t.tool(), t.status(), t.statusMessage(), t.detail(), null,
                instance, now, t.createdAt(), now, t.ttlMs());
        tasks.put(taskId, u);
        return Optional.of(withAnswered(u));
    }

    @Override
    public synchronized int deleteExpired(Instant now) {
        int before = tasks.size();
        tasks.values().removeIf(t -> t.heartbeatAt().plusMillis(t.ttlMs()).isBefore(now) && t.updatedAt().plusMillis(t.ttlMs()).isBefore(now));
        answers.keySet().retainAll(tasks.keySet());
        return before - tasks.size();
    }
}
