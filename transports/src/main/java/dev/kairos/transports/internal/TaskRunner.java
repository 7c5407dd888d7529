package dev.kairos.transports.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.transports.Caller;
import dev.kairos.transports.TaskSpec;
import dev.kairos.transports.TaskStore;
import dev.kairos.transports.TaskStore.StoredTask;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.server.McpAsyncServerExchange;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpLoggableSession;
import io.modelcontextprotocol.spec.McpSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Runs tool calls as MCP tasks on this instance and answers the tasks methods from the shared store.
 * One watcher thread per instance: every {@link #POLL_INTERVAL_MS} it takes input responses given on
 * other instances to the tasks that wait for them; every {@link #HEARTBEAT} it renews each task's lease
 * and notices a cancel made elsewhere; changes made by the handler are written within a {@link #TICK}.
 */
public final class TaskRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);
    /** How long a finished task stays readable. */
    public static final long TTL_MS = Duration.ofHours(1).toMillis();
    public static final long POLL_INTERVAL_MS = 500;
    static final Duration TICK = Duration.ofMillis(100);
    static final Duration HEARTBEAT = Duration.ofSeconds(1);
    /** The longest a task waits for one round of input before it fails. */
    static final Duration INPUT_WAIT = Duration.ofMillis(TTL_MS);

    private final TaskStore store;
    private final Duration lease;
    private final String instance = UUID.randomUUID().toString();
    private final ObjectMapper json = new ObjectMapper();
    private final McpJsonMapper mapper = McpJsonDefaults.getMapper();
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final Thread watcher;
    private volatile boolean closed;

    /** The task was cancelled while its handler waited. */
    public static final class Cancelled extends RuntimeException {
        Cancelled() {
            super("the task was cancelled");
        }
    }

    /** A tasks method failed with a JSON-RPC error. */
    public static final class TaskError extends RuntimeException {
        private final int code;

        TaskError(int code, String message) {
            super(message);
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    public TaskRunner(TaskStore store, Duration lease) {
        this.store = store;
        this.lease = lease;
        this.watcher = Thread.ofVirtual().name("kairos-task-watcher").unstarted(this::watch);
        watcher.start();
    }

    public String instance() {
        return instance;
    }

    // ---- creating and running

    /**
     * Stores a new task for {@code tool} and starts its handler; returns the CreateTaskResult fields.
     *
     * @param params       the tools/call params (name, arguments, _meta)
     * @param capabilities the client capabilities the request declared (JSON)
     * @param seeded       answers gathered before the task existed (multi round-trip), by key
     */
    public ObjectNode start(SyncToolSpecification tool, ObjectNode params, String owner, Caller caller, JsonNode capabilities,
                            JsonNode clientInfo, ObjectNode seeded) {
        Instant now = Instant.now();
        String id = UUID.randomUUID().toString();
        ObjectNode detail = json.createObjectNode();
        detail.set("request", params);
        if (caller != null) {
            detail.set("caller", json.valueToTree(caller));
        }
        detail.set("capabilities", capabilities == null ? json.createObjectNode() : capabilities);
        if (clientInfo != null) {
            detail.set("clientInfo", clientInfo);
        }
        if (seeded != null && !seeded.isEmpty()) {
            detail.set("seeded", seeded);
        }
        StoredTask task = new StoredTask(id, owner, tool.tool().name(), "working", null, write(detail), Set.of(),
                instance, now, now, now, TTL_MS);
        store.deleteExpired(now);
        store.create(task);
        launch(task, detail, tool, null);
        return envelope(task);
    }

    private void launch(StoredTask task, ObjectNode detail, SyncToolSpecification tool, TaskSpec.Resume resume) {
        Running r = new Running(task, detail);
        running.put(task.taskId(), r);
        McpSyncServerExchange exchange = r.exchange();
        McpSchema.CallToolRequest request = mapper.convertValue(detail.get("request"), McpSchema.CallToolRequest.class);
        String state = detail.path("state").asText(null);
        r.thread = Thread.ofVirtual().name("kairos-task-" + task.taskId()).start(() -> {
            try {
                McpSchema.CallToolResult result = resume == null ? tool.callHandler().apply(exchange, request)
                        : resume.resume(exchange, request, state);
                ObjectNode node = json.valueToTree(result);
                r.finish("completed", "result", node);
            } catch (Throwable e) {
                if (r.cancelled) {
                    return;
                }
                ObjectNode error = json.createObjectNode();
                Throwable cause = e instanceof Cancelled ? e : rootOf(e);
                if (cause instanceof McpError mcp && mcp.getJsonRpcError() != null) {
                    error.put("code", mcp.getJsonRpcError().code());
                    error.put("message", mcp.getJsonRpcError().message());
                } else {
                    log.warn("task {} ({}) failed: {}", task.taskId(), task.tool(), e.toString());
                    error.put("code", Revision2026.INTERNAL_ERROR);
                    error.put("message", "Internal error while running " + task.tool());
                }
                r.finish("failed", "error", error);
            } finally {
                running.remove(task.taskId());
            }
        });
    }

    private static Throwable rootOf(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && !(t instanceof McpError)) {
            t = t.getCause();
        }
        return t;
    }

    // ---- the tasks methods

    /** The DetailedTask of {@code taskId} for {@code owner}; takes the task over first when its instance has gone. */
    public ObjectNode get(String taskId, String owner, Function<String, SyncToolSpecification> tools,
                          Function<String, TaskSpec> specs) {
        StoredTask t = known(taskId, owner);
        if (!t.terminal() && !running.containsKey(taskId) && t.heartbeatAt().isBefore(Instant.now().minus(lease))) {
            t = takeOver(t, tools, specs).orElse(t);
        }
        return detailed(t);
    }

    public void update(String taskId, String owner, JsonNode responses) {
        known(taskId, owner);
        if (responses == null || !responses.isObject()) {
            throw new TaskError(Revision2026.INVALID_PARAMS, "params.inputResponses must be an object keyed by input request");
        }
        Map<String, String> answers = new LinkedHashMap<>();
        for (var it = responses.fields(); it.hasNext(); ) {
            var e = it.next();
            answers.put(e.getKey(), write(e.getValue()));
        }
        if (!answers.isEmpty()) {
            store.answer(taskId, owner, answers, Instant.now());
        }
        Running r = running.get(taskId);
        if (r != null) {
            r.collect(); // on this instance: at once, not at the next tick
        }
    }

    public void cancel(String taskId, String owner) {
        StoredTask t = known(taskId, owner);
        if (t.terminal()) {
            return;
        }
        store.cancel(taskId, owner, Instant.now());
        Running r = running.get(taskId);
        if (r != null) {
            r.stop();
        }
    }

    private StoredTask known(String taskId, String owner) {
        if (taskId == null || taskId.isBlank()) {
            throw new TaskError(Revision2026.INVALID_PARAMS, "params.taskId (a string) is required");
        }
        return store.find(taskId, owner).orElseThrow(() -> new TaskError(Revision2026.INVALID_PARAMS, "Unknown task: " + taskId));
    }

    private Optional<StoredTask> takeOver(StoredTask t, Function<String, SyncToolSpecification> tools,
                                         Function<String, TaskSpec> specs) {
        Instant now = Instant.now();
        Optional<StoredTask> claimed = store.claim(t.taskId(), instance, now.minus(lease), now);
        if (claimed.isEmpty()) {
            return Optional.empty();
        }
        StoredTask c = claimed.get();
        ObjectNode detail = read(c.detail());
        SyncToolSpecification tool = tools.apply(c.tool());
        TaskSpec spec = specs.apply(c.tool());
        log.info("task {} ({}): its instance stopped renewing it; {} on this instance", c.taskId(), c.tool(),
                spec != null && spec.resume() != null ? "resuming it" : "failing it");
        if (tool == null || spec == null || spec.resume() == null) {
            Running r = new Running(c, detail);
            ObjectNode error = json.createObjectNode().put("code", Revision2026.INTERNAL_ERROR)
                    .put("message", "The instance running this task stopped, and " + c.tool() + " cannot be resumed");
            r.finish("failed", "error", error);
            return store.find(c.taskId(), c.owner());
        }
        detail.remove("inputRequests");
        launch(c, detail, tool, spec.resume());
        return store.find(c.taskId(), c.owner());
    }

    /** CreateTaskResult fields (without resultType). */
    private ObjectNode envelope(StoredTask t) {
        ObjectNode n = json.createObjectNode();
        n.put("taskId", t.taskId());
        n.put("status", t.status());
        if (t.statusMessage() != null) {
            n.put("statusMessage", t.statusMessage());
        }
        n.put("createdAt", t.createdAt().toString());
        n.put("lastUpdatedAt", t.updatedAt().toString());
        n.put("ttlMs", t.ttlMs());
        n.put("pollIntervalMs", POLL_INTERVAL_MS);
        return n;
    }

    private ObjectNode detailed(StoredTask t) {
        ObjectNode n = envelope(t);
        ObjectNode detail = read(t.detail());
        switch (t.status()) {
            case "completed" -> n.set("result", detail.path("result"));
            case "failed" -> n.set("error", detail.path("error"));
            case "input_required" -> {
                ObjectNode open = json.createObjectNode();
                detail.path("inputRequests").fields().forEachRemaining(e -> {
                    if (!t.answeredKeys().contains(e.getKey())) {
                        open.set(e.getKey(), e.getValue());
                    }
                });
                if (open.isEmpty()) {
                    n.put("status", "working"); // every question answered: the handler carries on
                } else {
                    n.set("inputRequests", open);
                }
            }
            default -> {
            }
        }
        return n;
    }

    // ---- the watcher

    private void watch() {
        long lastBeat = 0;
        int tick = 0;
        while (!closed) {
            try {
                Thread.sleep(TICK.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            boolean beat = System.nanoTime() - lastBeat >= HEARTBEAT.toNanos();
            if (beat) {
                lastBeat = System.nanoTime();
            }
            // input given on another instance is looked for at the poll interval (on this one it is delivered at once)
            boolean look = ++tick % (POLL_INTERVAL_MS / TICK.toMillis()) == 0;
            for (Running r : running.values()) {
                try {
                    if (look && r.waiting()) {
                        r.collect();
                    }
                    if (beat || r.dirty) {
                        r.save();
                    }
                } catch (RuntimeException e) {
                    log.warn("task {}: store not reachable: {}", r.id, e.toString());
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        watcher.interrupt();
    }

    // ---- handler-side helpers

    public static void remember(McpSyncServerExchange exchange, String state) {
        if (exchange != null && exchange.transportContext().get(TaskInputs.CONTEXT_KEY) instanceof Running r) {
            r.remember(state);
        }
    }

    public static boolean inTask(McpSyncServerExchange exchange) {
        return exchange != null && exchange.transportContext().get(TaskInputs.CONTEXT_KEY) instanceof Running;
    }

    private String write(JsonNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private ObjectNode read(String text) {
        try {
            return text == null ? json.createObjectNode() : (ObjectNode) json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored task detail is not JSON", e);
        }
    }

    /** One task running on this instance. */
    private final class Running implements TaskInputs, McpLoggableSession {
        final String id;
        final String owner;
        final ObjectNode detail;
        final Map<String, CompletableFuture<JsonNode>> waiting = new HashMap<>();
        final ObjectNode seeded;
        final Object saving = new Object();
        /** The detail as last written, guarded by {@code saving}. */
        private String lastSaved;
        volatile Thread thread;
        volatile boolean cancelled;
        volatile boolean dirty;
        String status;
        String statusMessage;
        int unnamed;

        Running(StoredTask task, ObjectNode detail) {
            this.id = task.taskId();
            this.owner = task.owner();
            this.detail = detail;
            this.status = task.status();
            this.statusMessage = task.statusMessage();
            this.seeded = detail.has("seeded") ? (ObjectNode) detail.get("seeded").deepCopy() : json.createObjectNode();
        }

        McpSyncServerExchange exchange() {
            JsonNode c = detail.path("caller");
            McpSchema.ClientCapabilities caps;
            McpSchema.Implementation info;
            try {
                caps = mapper.convertValue(detail.path("capabilities"), McpSchema.ClientCapabilities.class);
                info = detail.has("clientInfo") ? mapper.convertValue(detail.get("clientInfo"), McpSchema.Implementation.class) : null;
            } catch (RuntimeException e) {
                caps = McpSchema.ClientCapabilities.builder().build();
                info = null;
            }
            Map<String, Object> values = new HashMap<>();
            values.put(TaskInputs.CONTEXT_KEY, this);
            if (c.isObject()) {
                values.put(Caller.CONTEXT_KEY, json.convertValue(c, Caller.class));
            }
            McpTransportContext context = McpTransportContext.create(values);
            return new McpSyncServerExchange(new McpAsyncServerExchange("task-" + id, this, caps, info, context));
        }

        synchronized boolean waiting() {
            return !waiting.isEmpty();
        }

        void remember(String state) {
            synchronized (this) {
                detail.put("state", state);
                dirty = true;
            }
            save(); // never while holding this task's monitor: save takes the write lock first, then the monitor
        }

        @Override
        public Map<String, JsonNode> askAll(Map<String, JsonNode> questions) {
            Map<String, CompletableFuture<JsonNode>> mine = new LinkedHashMap<>();
            synchronized (this) {
                if (cancelled) {
                    throw new Cancelled();
                }
                ObjectNode open = detail.has("inputRequests") ? (ObjectNode) detail.get("inputRequests") : detail.putObject("inputRequests");
                for (var q : questions.entrySet()) {
                    CompletableFuture<JsonNode> f = new CompletableFuture<>();
                    JsonNode known = seeded.remove(q.getKey());
                    if (known != null && !known.isNull()) {
                        f.complete(known);
                    } else {
                        waiting.put(q.getKey(), f);
                        open.set(q.getKey(), q.getValue());
                    }
                    mine.put(q.getKey(), f);
                }
                if (!waiting.isEmpty()) {
                    status = "input_required";
                    dirty = true;
                }
            }
            save();
            Map<String, JsonNode> answers = new LinkedHashMap<>();
            long deadline = System.nanoTime() + INPUT_WAIT.toNanos();
            for (var e : mine.entrySet()) {
                try {
                    answers.put(e.getKey(), e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new Cancelled();
                } catch (ExecutionException ex) {
                    throw new Cancelled();
                } catch (TimeoutException ex) {
                    throw new IllegalStateException("no answer to input request " + e.getKey() + " within " + INPUT_WAIT);
                }
            }
            return answers;
        }

        /** Takes the delivered answers and wakes the questions they answer; unknown keys are ignored. */
        void collect() {
            Map<String, String> answers = store.takeAnswers(id);
            if (answers.isEmpty()) {
                return;
            }
            synchronized (this) {
                ObjectNode open = detail.has("inputRequests") ? (ObjectNode) detail.get("inputRequests") : detail.putObject("inputRequests");
                for (var a : answers.entrySet()) {
                    CompletableFuture<JsonNode> f = waiting.remove(a.getKey());
                    if (f != null) {
                        open.remove(a.getKey());
                        f.complete(read("{\"v\":" + a.getValue() + "}").get("v"));
                    }
                }
                if (waiting.isEmpty() && "input_required".equals(status)) {
                    status = "working";
                }
                dirty = true;
            }
            save();
        }

        /** Writes this task's state with a fresh heartbeat; stops the handler when the task was cancelled or taken over. */
        void save() {
            Optional<StoredTask> stored;
            synchronized (saving) { // one write at a time, so an older snapshot never lands after a newer one
                String s;
                String m;
                String d;
                synchronized (this) {
                    s = status;
                    m = statusMessage;
                    d = write(detail);
                    dirty = false;
                }
                // an unchanged detail is not sent again: a heartbeat of an import task would rewrite its whole archive
                String changed = d.equals(lastSaved) ? null : d;
                stored = store.update(id, instance, s, m, changed, Instant.now());
                lastSaved = d;
            }
            if (stored.isEmpty() || "cancelled".equals(stored.get().status()) || !instance.equals(stored.get().instance())) {
                stop();
            }
        }

        void finish(String finalStatus, String field, ObjectNode value) {
            synchronized (this) {
                status = finalStatus;
                detail.remove("inputRequests");
                detail.remove("seeded");
                detail.set(field, value);
            }
            save();
        }

        void stop() {
            Set<CompletableFuture<JsonNode>> pending;
            synchronized (this) {
                if (cancelled) {
                    return;
                }
                cancelled = true;
                pending = new HashSet<>(waiting.values());
                waiting.clear();
            }
            pending.forEach(f -> f.completeExceptionally(new Cancelled()));
            Thread t = thread;
            if (t != null) {
                t.interrupt(); // stops the handler (an agent run cancels itself and its calls downstream)
            }
            running.remove(id);
        }

        // ---- the session behind the handler's SDK exchange

        @Override
        public <T> Mono<T> sendRequest(String method, Object params, TypeRef<T> type) {
            return Mono.fromCallable(() -> {
                String key;
                synchronized (this) {
                    key = "input-" + (++unnamed);
                }
                ObjectNode q = json.createObjectNode();
                q.put("method", method);
                q.set("params", json.valueToTree(params));
                JsonNode answer = askAll(Map.of(key, q)).get(key);
                return mapper.convertValue(answer, type);
            });
        }

        @Override
        public Mono<Void> sendNotification(String method, Object params) {
            if (McpSchema.METHOD_NOTIFICATION_PROGRESS.equals(method) && params instanceof McpSchema.ProgressNotification p) {
                synchronized (this) {
                    statusMessage = p.message() != null ? p.message()
                            : p.total() != null ? p.progress() + " of " + p.total() : String.valueOf(p.progress());
                    dirty = true;
                }
            }
            return Mono.empty();
        }

        @Override
        public void setMinLoggingLevel(McpSchema.LoggingLevel level) {
        }

        @Override
        public boolean isNotificationForLevelAllowed(McpSchema.LoggingLevel level) {
            return false;
        }

        @Override
        public Mono<Void> closeGracefully() {
            return Mono.empty();
        }

        @Override
        public void close() {
        }
    }

    /** Used by tests and the dispatcher: the task ids running here. */
    public List<String> runningHere() {
        return List.copyOf(running.keySet());
    }
}
