package dev.kairos.transports;

import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;

/**
 * How a tool runs as an MCP task (the {@code io.modelcontextprotocol/tasks} extension of 2026-07-28):
 * when the client declares the extension, a call answers at once with a task handle and the tool's
 * own handler runs in the background; {@code tasks/get} reports its status, input requests and, at the
 * end, the tool's result. Input the handler asks for (through {@link ClientInput} or the SDK exchange)
 * waits for {@code tasks/update}; {@code tasks/cancel} interrupts it.
 *
 * @param support  whether a client without the extension may still call the tool (synchronously)
 * @param prepare  questions asked before the task is made, in the request's own rounds (may be null)
 * @param resume   how another instance carries on a task whose instance stopped, from the state the
 *                 handler {@linkplain Tasks#remember remembered}; null: such a task fails
 */
public record TaskSpec(Support support, Prepare prepare, Resume resume) {

    public enum Support { OPTIONAL, REQUIRED }

    /** Runs in the tools/call round before the task exists; asks with {@link ClientInput} (which ends the round when an answer is missing). */
    @FunctionalInterface
    public interface Prepare {
        void prepare(McpSyncServerExchange exchange, CallToolRequest request);
    }

    /** Carries on a task on this instance; {@code state} is what the handler last remembered, or null. */
    @FunctionalInterface
    public interface Resume {
        CallToolResult resume(McpSyncServerExchange exchange, CallToolRequest request, String state);
    }

    public TaskSpec {
        java.util.Objects.requireNonNull(support, "support");
    }

    /** A tool that runs as a task for clients that declare the extension, and synchronously for others. */
    public static TaskSpec optional() {
        return new TaskSpec(Support.OPTIONAL, null, null);
    }

    public TaskSpec resumedBy(Resume resume) {
        return new TaskSpec(support, prepare, resume);
    }
}
