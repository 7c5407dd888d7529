package dev.kairos.memory.internal;

import dev.kairos.memory.TaskRecords;
import org.neo4j.driver.Record;
import org.neo4j.driver.Value;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * MCP task records in Neo4j: one {@code McpTask} node per task, its undelivered input responses as
 * {@code McpTaskAnswer} nodes. Changes that must not race (the running instance's update, a cancel, a
 * take-over) first set a property, which takes the node's write lock, then decide on what they read.
 */
final class Tasks implements TaskRecords {
    private static final String TERMINAL = "['completed', 'failed', 'cancelled']";
    private final Supplier<Bolt> bolt;
    private volatile boolean schemaApplied;

    Tasks(Supplier<Bolt> bolt) {
        this.bolt = bolt;
    }

    private Bolt ready() {
        Bolt b = bolt.get();
        if (!schemaApplied) {
            synchronized (this) {
                if (!schemaApplied) {
                    b.autoCommit("CREATE CONSTRAINT mcp_task_id IF NOT EXISTS FOR (t:McpTask) REQUIRE t.task_id IS UNIQUE", Map.of());
                    schemaApplied = true;
                }
            }
        }
        return b;
    }

    @Override
    public void create(TaskRecord t) {
        Map<String, Object> p = new HashMap<>();
        p.put("id", t.taskId());
        p.put("owner", t.owner());
        p.put("tool", t.tool());
        p.put("status", t.status());
        p.put("message", t.statusMessage());
        p.put("detail", t.detail());
        p.put("instance", t.instance());
        p.put("beat", utc(t.heartbeatAt()));
        p.put("created", utc(t.createdAt()));
        p.put("updated", utc(t.updatedAt()));
        p.put("ttl", t.ttlMs());
        ready().write("""
                CREATE (t:McpTask {task_id: $id, owner: $owner, tool: $tool, status: $status, status_message: $message,
                    detail: $detail, instance: $instance, heartbeat_at: $beat, created_at: $created, updated_at: $updated,
                    ttl_ms: $ttl})""", p);
    }

    @Override
    public Optional<TaskRecord> find(String taskId, String owner) {
        return ready().read("""
                MATCH (t:McpTask {task_id: $id, owner: $owner})
                OPTIONAL MATCH (t)-[:ANSWER]->(a:McpTaskAnswer)
                RETURN t, collect(a.key) AS answered""", Map.of("id", taskId, "owner", owner))
                .stream().findFirst().map(Tasks::record);
    }

    @Override
    public Optional<TaskRecord> update(String taskId, String instance, String status, String statusMessage, String detail, Instant now) {
        Map<String, Object> p = new HashMap<>();
        p.put("id", taskId);
        p.put("instance", instance);
        p.put("status", status);
        p.put("message", statusMessage);
        p.put("detail", detail);
        p.put("now", utc(now));
        return ready().write("""
                MATCH (t:McpTask {task_id: $id})
                SET t.lock = true
                WITH t, NOT t.status IN %s AND t.instance = $instance AS mine
                FOREACH (_ IN CASE WHEN mine THEN [1] ELSE [] END |
                    SET t.updated_at = CASE WHEN t.status <> $status OR ($detail IS NOT NULL AND t.detail <> $detail)
                            OR coalesce(t.status_message, '') <> coalesce($message, '') THEN $now ELSE t.updated_at END,
                        t.status = $status, t.status_message = $message, t.heartbeat_at = $now)
                FOREACH (_ IN CASE WHEN mine AND $detail IS NOT NULL THEN [1] ELSE [] END | SET t.detail = $detail)
                WITH t
                OPTIONAL MATCH (t)-[:ANSWER]->(a:McpTaskAnswer)
                RETURN t, collect(a.key) AS answered""".formatted(TERMINAL), p).stream().findFirst().map(Tasks::record);
    }

    @Override
    public boolean answer(String taskId, String owner, Map<String, String> responses, Instant now) {
        List<Map<String, Object>> rows = responses.entrySet().stream()
                .map(e -> Map.<String, Object>of("key", e.getKey(), "value", e.getValue())).toList();
        return !ready().write("""
                MATCH (t:McpTask {task_id: $id, owner: $owner})
                FOREACH (r IN $rows |
                    MERGE (t)-[:ANSWER]->(a:McpTaskAnswer {task_id: $id, key: r.key})
                    SET a.value = r.value)
                RETURN t.task_id AS id""", Map.of("id", taskId, "owner", owner, "rows", rows)).isEmpty();
    }

    @Override
    public Map<String, String> takeAnswers(String taskId) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Record r : ready().write("""
                MATCH (:McpTask {task_id: $id})-[:ANSWER]->(a:McpTaskAnswer)
                WITH a, a.key AS key, a.value AS value
                DETACH DELETE a
                RETURN key, value""", Map.of("id", taskId))) {
            out.put(r.get("key").asString(), r.get("value").asString());
        }
        return out;
    }

    @Override
    public boolean cancel(String taskId, String owner, Instant now) {
        return !ready().write("""
                MATCH (t:McpTask {task_id: $id, owner: $owner})
                SET t.lock = true
                WITH t
                FOREACH (_ IN CASE WHEN NOT t.status IN %s THEN [1] ELSE [] END |
                    SET t.status = 'cancelled', t.status_message = 'cancelled by the client', t.updated_at = $now)
                RETURN t.task_id AS id""".formatted(TERMINAL), Map.of("id", taskId, "owner", owner, "now", utc(now))).isEmpty();
    }

    @Override
    public Optional<TaskRecord> claim(String taskId, String instance, Instant staleBefore, Instant now) {
        return ready().write("""
                MATCH (t:McpTask {task_id: $id})
                SET t.lock = true
                WITH t
                WHERE NOT t.status IN %s AND t.heartbeat_at < $stale
                SET t.instance = $instance, t.heartbeat_at = $now, t.updated_at = $now
                WITH t
                OPTIONAL MATCH (t)-[:ANSWER]->(a:McpTaskAnswer)
                RETURN t, collect(a.key) AS answered""".formatted(TERMINAL),
                Map.of("id", taskId, "instance", instance, "stale", utc(staleBefore), "now", utc(now)))
                .stream().findFirst().map(Tasks::record);
    }

    @Override
    public int deleteExpired(Instant now) {
        List<Record> r = ready().write("""
                MATCH (t:McpTask)
                WHERE t.heartbeat_at + duration({milliseconds: t.ttl_ms}) < $now
                  AND t.updated_at + duration({milliseconds: t.ttl_ms}) < $now
                WITH t LIMIT 1000
                OPTIONAL MATCH (t)-[:ANSWER]->(a:McpTaskAnswer)
                DETACH DELETE a, t
                RETURN count(DISTINCT t) AS n""", Map.of("now", utc(now)));
        return r.isEmpty() ? 0 : r.getFirst().get("n").asInt();
    }

    private static ZonedDateTime utc(Instant i) {
        return i.atZone(ZoneOffset.UTC);
    }

    private static TaskRecord record(Record rec) {
        Value t = rec.get("t");
        Set<String> answered = Set.copyOf(rec.get("answered").asList(Value::asString));
        return new TaskRecord(t.get("task_id").asString(), t.get("owner").asString(), t.get("tool").asString(""),
                t.get("status").asString(), t.get("status_message").asString(null), t.get("detail").asString(null), answered,
                t.get("instance").asString(""), t.get("heartbeat_at").asZonedDateTime().toInstant(),
                t.get("created_at").asZonedDateTime().toInstant(), t.get("updated_at").asZonedDateTime().toInstant(),
                t.get("ttl_ms").asLong());
    }
}
