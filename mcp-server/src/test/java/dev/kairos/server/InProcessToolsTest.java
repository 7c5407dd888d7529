package dev.kairos.server;

import dev.kairos.agent.LiveCatalogue;
import dev.kairos.agent.ParallelToolExecutor;
import dev.kairos.agent.ToolCallResult;
import dev.kairos.agent.ToolOutcome;
import dev.kairos.inference.ToolCall;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Kairos's own tool specifications called directly through the executor, without MCP in between. */
class InProcessToolsTest {
    @Test
    void handlersAreCalledDirectlyAndTheirFailuresAreErrorResults() throws Exception {
        McpSchema.Tool add = McpSchema.Tool.builder().name("add").description("adds")
                .inputSchema(new McpSchema.JsonSchema("object", Map.of("a", Map.of("type", "integer"),
                        "b", Map.of("type", "integer")), List.of("a", "b"), null, null, null)).build();
        McpSchema.Tool boom = McpSchema.Tool.builder().name("boom").description("throws")
                .inputSchema(new McpSchema.JsonSchema("object", Map.of(), null, null, null, null)).build();
        InProcessTools tools = new InProcessTools(List.of(
                SyncToolSpecification.builder().tool(add).callHandler((ex, req) -> McpSchema.CallToolResult.builder()
                        .addTextContent(String.valueOf(((Number) req.arguments().get("a")).intValue()
                                + ((Number) req.arguments().get("b")).intValue())).build()).build(),
                SyncToolSpecification.builder().tool(boom).callHandler((ex, req) -> {
                    throw new IllegalStateException("broken on purpose");
                }).build()));
        ParallelToolExecutor ex = new ParallelToolExecutor(new LiveCatalogue(List.of(tools)));
        List<ToolCallResult> r = ex.runAll(List.of(new ToolCall("1", "add", "{\"a\":2,\"b\":3}"),
                new ToolCall("2", "boom", "{}"), new ToolCall("3", "add", "{\"a\":2}")), e -> { });
        assertEquals("5", r.get(0).text());
        assertEquals(ToolOutcome.TOOL_ERROR, r.get(1).outcome());
        assertEquals("Kairos tool 'boom' failed: broken on purpose", r.get(1).text());
        assertEquals(ToolOutcome.INVALID_ARGUMENTS, r.get(2).outcome());
    }

    @Test
    void asACallerTheHandlersSeeThatCallerNotTheLocalUser() throws Exception {
        McpSchema.Tool who = McpSchema.Tool.builder().name("who").description("names the caller")
                .inputSchema(new McpSchema.JsonSchema("object", Map.of(), null, null, null, null)).build();
        InProcessTools tools = new InProcessTools(List.of(SyncToolSpecification.builder().tool(who).callHandler((ex, req) -> {
            dev.kairos.transports.Caller c = dev.kairos.transports.Caller.of(ex, "fallback");
            return McpSchema.CallToolResult.builder().addTextContent(c.principal() + " " + c.mayAccess("team-b")).build();
        }).build()));
        dev.kairos.transports.Caller alice = new dev.kairos.transports.Caller("alice", java.util.Set.of("team-a"), false, "team-a");
        ToolCall call = new ToolCall("1", "who", "{}");
        assertEquals("local true", new ParallelToolExecutor(new LiveCatalogue(List.of(tools))).runAll(List.of(call), e -> { })
                .getFirst().text());
        assertEquals("alice false", new ParallelToolExecutor(new LiveCatalogue(List.of(tools.as(alice)))).runAll(List.of(call), e -> { })
                .getFirst().text());
    }
}
