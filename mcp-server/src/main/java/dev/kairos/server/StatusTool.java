package dev.kairos.server;

import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The {@code kairos_status} tool: version, uptime, transports and the readiness of each subsystem. */
final class StatusTool {
    private StatusTool() {
    }

    static SyncToolSpecification spec(Supplier<Map<String, Object>> status) {
        Map<String, Object> subsystem = Map.of("type", "object", "properties", Map.of(
                "name", Map.of("type", "string"),
                "state", Map.of("type", "string", "enum", List.of("starting", "ready", "failed", "disabled")),
                "detail", Map.of("type", "string")), "required", List.of("name", "state"));
        Map<String, Object> output = Map.of("type", "object",
                "properties", Map.of(
                        "version", Map.of("type", "string"),
                        "uptime_seconds", Map.of("type", "number"),
                        "transports", Map.of("type", "array", "items", Map.of("type", "string")),
                        "tools", Map.of("type", "array", "items", Map.of("type", "string")),
                        "subsystems", Map.of("type", "array", "items", subsystem)),
                "required", List.of("version", "uptime_seconds", "transports", "subsystems"));
        McpSchema.Tool tool = McpSchema.Tool.builder()
                .name("kairos_status")
                .title("Kairos status")
                .description("Reports the Kairos version, uptime, the transports it serves and whether each "
                        + "subsystem (memory database, embedder, inference engines) is ready. Call it when "
                        + "another tool says a subsystem is still starting.")
                .inputSchema(new McpSchema.JsonSchema("object", Map.of(), List.of(), false, null, null))
                .outputSchema(output)
                .annotations(new McpSchema.ToolAnnotations("Kairos status", true, false, true, false, null))
                .build();
        return SyncToolSpecification.builder()
                .tool(tool)
                .callHandler((exchange, request) -> {
                    Map<String, Object> result = new LinkedHashMap<>(status.get());
                    return CallToolResult.builder()
                            .structuredContent(result)
                            .addTextContent(Json.write(result))
                            .build();
                })
                .build();
    }
}
