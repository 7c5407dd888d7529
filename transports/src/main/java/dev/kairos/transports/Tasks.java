package dev.kairos.transports;

import dev.kairos.transports.internal.TaskRunner;
import io.modelcontextprotocol.server.McpSyncServerExchange;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The MCP tasks of one process: which tools may run as tasks, where tasks are kept, and the tasks
 * this instance runs. Instances sharing a {@link TaskStore} answer for each other's tasks; when the
 * instance running a task stops renewing its lease, the next {@code tasks/get} on another instance
 * takes the task over and {@linkplain TaskSpec#resume resumes} it there.
 */
public final class Tasks implements AutoCloseable {
    /** The extension's name, under {@code capabilities.extensions}. */
    public static final String EXTENSION = "io.modelcontextprotocol/tasks";
    /** How long an instance may stay silent before another takes its tasks over. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(5);

    private final Map<String, TaskSpec> specs = new LinkedHashMap<>();
    private final TaskRunner runner;

    public Tasks(TaskStore store, Duration lease) {
        this.runner = new TaskRunner(store, lease);
    }

    /** Tasks kept in this process only. */
    public static Tasks inMemory() {
        return new Tasks(TaskStore.inMemory(), DEFAULT_LEASE);
    }

    public synchronized Tasks register(String tool, TaskSpec spec) {
        if (specs.putIfAbsent(tool, spec) != null) {
            throw new IllegalStateException("task spec registered twice: " + tool);
        }
        return this;
    }

    /** How {@code tool} runs as a task, or null when it does not. */
    public synchronized TaskSpec spec(String tool) {
        return specs.get(tool);
    }

    /** For the transports: the runtime. */
    public TaskRunner runner() {
        return runner;
    }

    /**
     * Records what another instance needs to resume the task that runs this handler (an agent run's id);
     * stored before this returns. Does nothing outside a task.
     */
    public static void remember(McpSyncServerExchange exchange, String state) {
        TaskRunner.remember(exchange, state);
    }

    /** Whether this handler runs as a task. */
    public static boolean inTask(McpSyncServerExchange exchange) {
        return TaskRunner.inTask(exchange);
    }

    @Override
    public void close() {
        runner.close();
    }
}
