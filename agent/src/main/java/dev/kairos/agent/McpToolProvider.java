package dev.kairos.agent;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.transports.McpServerConnection;
import dev.kairos.transports.ServerState;
import dev.kairos.transports.ServerUnavailableException;
import io.modelcontextprotocol.spec.McpSchema;

import java.util.List;
import java.util.Map;

/** A downstream MCP server as a tool provider. */
public final class McpToolProvider implements ToolProvider {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final McpServerConnection connection;

    public McpToolProvider(McpServerConnection connection) {
        this.connection = connection;
    }

    @Override
    public String name() {
        return connection.name();
    }

    /** The connection's state (ready, restarting, failed with the reason). */
    public ServerState state() {
        return connection.state();
    }

    /** The connection underneath. */
    public McpServerConnection connection() {
        return connection;
    }

    @Override
    public List<ToolDescriptor> tools() {
        return connection.tools().stream().map(McpToolProvider::descriptor).toList();
    }

    /** An MCP tool as a descriptor: schemas as JSON trees, annotations as hints. */
    public static ToolDescriptor descriptor(McpSchema.Tool t) {
        McpSchema.ToolAnnotations a = t.annotations();
        ToolHints hints = a == null ? ToolHints.NONE
                : new ToolHints(a.readOnlyHint(), a.destructiveHint(), a.idempotentHint(), a.openWorldHint());
        String title = t.title() != null ? t.title() : a != null ? a.title() : null;
        return new ToolDescriptor(t.name(), title, t.description(),
                t.inputSchema() == null ? null : JSON.valueToTree(t.inputSchema()),
                t.outputSchema() == null ? null : JSON.valueToTree(t.outputSchema()), hints);
    }

    @Override
    public McpSchema.CallToolResult call(String tool, JsonNode arguments, ToolCallControl control) throws InterruptedException {
        Map<String, Object> args = arguments == null || arguments.isNull() ? Map.of()
                : JSON.convertValue(arguments, new TypeReference<Map<String, Object>>() { });
        try {
            return connection.call(tool, args, p -> control.progress(p.progress() == null ? 0 : p.progress(),
                    p.total(), p.message()), control.deadline());
        } catch (ServerUnavailableException e) {
            throw new ToolUnavailableException(e.getMessage(), e);
        }
    }

    @Override
    public void onToolsChanged(Runnable listener) {
        connection.onToolsChanged(listener);
    }

    @Override
    public void close() {
        connection.close();
    }
}
