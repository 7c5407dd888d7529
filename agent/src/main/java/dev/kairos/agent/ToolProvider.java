package dev.kairos.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;

import java.util.List;

/**
 * A source of tools: one downstream MCP server, or Kairos's in-process tools.
 *
 * <p>Implementations are thread-safe: the executor calls {@link #call} from many virtual threads at
 * once (a turn's only call runs on the run's own thread). A call that fails to reach the tool throws {@link ToolUnavailableException}; a tool that
 * ran and failed returns a result with {@code isError}.
 */
public interface ToolProvider extends AutoCloseable {
    /** The provider's name: the server's key in the config, or {@code kairos} for in-process tools. */
    String name();

    /** The tools it offers now. */
    List<ToolDescriptor> tools();

    /** Runs one tool; bounded by {@code control.deadline()}, cancelled by interrupting the thread. */
    CallToolResult call(String tool, JsonNode arguments, ToolCallControl control) throws InterruptedException;

    /** Registers a listener for the provider's {@code notifications/tools/list_changed}. */
    default void onToolsChanged(Runnable listener) {
    }

    @Override
    default void close() {
    }
}
