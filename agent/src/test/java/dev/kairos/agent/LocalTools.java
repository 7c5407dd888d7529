package dev.kairos.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.transports.ServerEndpoint;
import io.modelcontextprotocol.spec.McpSchema;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * In-process providers behind the real catalogue ({@link LiveCatalogue}) and the real parallel
 * executor ({@link ParallelToolExecutor}). Approvals are the agent's: the executor is told to allow,
 * since the agent sends it only calls that need none or were approved.
 */
final class LocalTools implements ToolCatalogue, ToolExecutor {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final LiveCatalogue catalogue;
    private final ParallelToolExecutor executor;

    LocalTools(Set<String> confirm, ToolProvider... providers) {
        Map<String, McpServerSettings> settings = new HashMap<>();
        for (ToolProvider p : providers) {
            settings.put(p.name(), new McpServerSettings(p.name(), new ServerEndpoint.Stdio("in-process", null, null, null),
                    true, null, null, null, null, null, null, confirm, false));
        }
        this.catalogue = new LiveCatalogue(List.of(providers), settings, Duration.ofSeconds(10));
        this.executor = new ParallelToolExecutor(catalogue, ExecutorSettings.defaults(), ToolApproval.ALLOW);
    }

    LocalTools(ToolProvider... providers) {
        this(Set.of(), providers);
    }

    @Override
    public List<CatalogueTool> tools() {
        return catalogue.tools();
    }

    @Override
    public Turn begin(Consumer<ToolEvent> events) {
        return executor.begin(events);
    }

    /** A provider from lambdas: name, tool descriptors and what answers each call. */
    static ToolProvider provider(String name, List<ToolDescriptor> tools, Responder responder) {
        return new ToolProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<ToolDescriptor> tools() {
                return tools;
            }

            @Override
            public McpSchema.CallToolResult call(String tool, JsonNode arguments, ToolCallControl control) throws InterruptedException {
                return responder.call(tool, arguments);
            }
        };
    }

    /** Answers a call of one of the provider's tools. */
    @FunctionalInterface
    interface Responder {
        McpSchema.CallToolResult call(String tool, JsonNode args) throws InterruptedException;
    }

    static ToolDescriptor tool(String name, String schemaJson, ToolHints hints) {
        try {
            return new ToolDescriptor(name, null, name.replace('_', ' '), JSON.readTree(schemaJson), null, hints);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static McpSchema.CallToolResult ok(String text) {
        return McpSchema.CallToolResult.builder().addTextContent(text).isError(false).build();
    }

    static McpSchema.CallToolResult error(String text) {
        return McpSchema.CallToolResult.builder().addTextContent(text).isError(true).build();
    }

    static final ToolHints READ_ONLY = new ToolHints(true, false, true, false);
    static final ToolHints HARMLESS = new ToolHints(false, false, false, false);
    static final ToolHints DESTRUCTIVE = new ToolHints(false, true, false, false);
}
