package dev.kairos.server;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.agent.McpToolProvider;
import dev.kairos.agent.ToolCallControl;
import dev.kairos.agent.ToolDescriptor;
import dev.kairos.agent.ToolProvider;
import dev.kairos.transports.Caller;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpAsyncServerExchange;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kairos's own MCP tools (memory, status) as a tool provider for the agent: their handlers are
 * called directly, without going through MCP. Without a caller they run as the local user (every
 * memory group); {@link #as(Caller)} runs them as the MCP client that started the run, so an agent
 * reaches no memory group its caller could not reach itself.
 */
public final class InProcessTools implements ToolProvider {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, SyncToolSpecification> specs = new LinkedHashMap<>();
    private final McpSyncServerExchange exchange;

    public InProcessTools(List<SyncToolSpecification> specs) {
        this(specs, null);
    }

    private InProcessTools(List<SyncToolSpecification> specs, McpSyncServerExchange exchange) {
        specs.forEach(s -> this.specs.put(s.tool().name(), s));
        this.exchange = exchange;
    }

    /**
     * The same tools called on behalf of {@code caller}. The handlers see an exchange that carries only
     * the caller (no session: a handler that tried to talk to the client would fail, which none of the
     * memory tools does).
     */
    public InProcessTools as(Caller caller) {
        McpTransportContext context = McpTransportContext.create(Map.of(Caller.CONTEXT_KEY, caller));
        return new InProcessTools(List.copyOf(specs.values()),
                new McpSyncServerExchange(new McpAsyncServerExchange(null, null, null, null, context)));
    }

    /** The tools registered in {@code registry} so far. */
    public static InProcessTools of(Registry registry) {
        return new InProcessTools(registry.toolSpecifications());
    }

    @Override
    public String name() {
        return "kairos";
    }

    @Override
    public List<ToolDescriptor> tools() {
        return specs.values().stream().map(s -> McpToolProvider.descriptor(s.tool())).toList();
    }

    @Override
    public McpSchema.CallToolResult call(String tool, JsonNode arguments, ToolCallControl control) throws InterruptedException {
        SyncToolSpecification spec = specs.get(tool);
        if (spec == null) {
            return McpSchema.CallToolResult.builder().isError(true).addTextContent("no Kairos tool '" + tool + "'").build();
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        Map<String, Object> args = arguments == null || arguments.isNull() ? Map.of()
                : JSON.convertValue(arguments, new TypeReference<Map<String, Object>>() { });
        try {
            return spec.callHandler().apply(exchange, new McpSchema.CallToolRequest(tool, args));
        } catch (RuntimeException e) {
            return McpSchema.CallToolResult.builder().isError(true)
                    .addTextContent("Kairos tool '" + tool + "' failed: " + e.getMessage()).build();
        }
    }
}
