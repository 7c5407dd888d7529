package dev.kairos.bench.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.agent.CatalogueTool;
import dev.kairos.agent.ExecutorSettings;
import dev.kairos.agent.LiveCatalogue;
import dev.kairos.agent.McpServerSettings;
import dev.kairos.agent.ParallelToolExecutor;
import dev.kairos.agent.ToolApproval;
import dev.kairos.agent.ToolCallControl;
import dev.kairos.agent.ToolCatalogue;
import dev.kairos.agent.ToolDescriptor;
import dev.kairos.agent.ToolExecutor;
import dev.kairos.agent.ToolHints;
import dev.kairos.agent.ToolProvider;
import dev.kairos.transports.ServerEndpoint;
import io.modelcontextprotocol.spec.McpSchema;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One in-process tool behind Kairos's real catalogue ({@link LiveCatalogue}) and parallel executor
 * ({@link ParallelToolExecutor}), so a benchmark run goes through the same path as a run with MCP
 * tools, minus the transport.
 */
final class InProcessTools implements ToolCatalogue, ToolExecutor {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final LiveCatalogue catalogue;
    private final ParallelToolExecutor executor;

    @FunctionalInterface
    interface Handler {
        String call(JsonNode arguments) throws InterruptedException;
    }

    /**
     * @param maxConcurrency calls in flight at once to this tool's provider; null for the executor's default
     */
    InProcessTools(String tool, String schemaJson, Handler handler, ExecutorSettings settings, Integer maxConcurrency,
                   Duration timeout) {
        ToolDescriptor d;
        try {
            d = new ToolDescriptor(tool, null, "Benchmark tool " + tool + ".", JSON.readTree(schemaJson), null,
                    new ToolHints(true, false, true, false));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
        ToolDescriptor descriptor = d;
        ToolProvider provider = new ToolProvider() {
            @Override
            public String name() {
                return "bench";
            }

            @Override
            public List<ToolDescriptor> tools() {
                return List.of(descriptor);
            }

            @Override
            public McpSchema.CallToolResult call(String name, JsonNode arguments, ToolCallControl control)
                    throws InterruptedException {
                return McpSchema.CallToolResult.builder().addTextContent(handler.call(arguments)).isError(false).build();
            }
        };
        McpServerSettings s = new McpServerSettings("bench", new ServerEndpoint.Stdio("in-process", null, null, null),
                true, null, null, null, null, maxConcurrency, null, null, false);
        this.catalogue = new LiveCatalogue(List.of(provider), Map.of("bench", s), timeout);
        this.executor = new ParallelToolExecutor(catalogue, settings, ToolApproval.ALLOW);
    }

    @Override
    public List<CatalogueTool> tools() {
        return catalogue.tools();
    }

    @Override
    public Turn begin(Consumer<dev.kairos.agent.ToolEvent> events) {
        return executor.begin(events);
    }
}
