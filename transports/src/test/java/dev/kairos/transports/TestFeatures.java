package dev.kairos.transports;

import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A small tool set for transport tests: echo, whoami, a call that waits for a latch, one that streams,
 * one that streams in two steps with a latch between them, and one that lets go of its connection.
 */
final class TestFeatures {
    final CountDownLatch slowStarted = new CountDownLatch(1);
    final CountDownLatch slowRelease = new CountDownLatch(1);
    /** Counted down by a test between the two steps of {@code stepwise} (after it dropped the connection). */
    final CountDownLatch stepwiseGoOn = new CountDownLatch(1);
    /** Counted down when {@code held} is interrupted (its request was cancelled). */
    final CountDownLatch heldInterrupted = new CountDownLatch(1);

    McpFeatures features() {
        var echo = new SyncToolSpecification(
                McpSchema.Tool.builder().name("echo").description("Echoes message")
                        .inputSchema(Map.of("type", "object",
                                "properties", Map.of("message", Map.of("type", "string")),
                                "required", List.of("message")))
                        .build(),
                (exchange, request) -> CallToolResult.builder()
                        .addTextContent(String.valueOf(request.arguments().get("message"))).build());
        var whoami = new SyncToolSpecification(
                McpSchema.Tool.builder().name("whoami").description("Names the caller")
                        .inputSchema(Map.of("type", "object")).build(),
                (exchange, request) -> {
                    Caller caller = Caller.of(exchange, "fallback");
                    return CallToolResult.builder().addTextContent(caller.principal() + " " + caller.defaultGroup()
                            + " " + caller.mayAccess("team-a") + " " + caller.mayAccess("team-b")).build();
                });
        var slow = new SyncToolSpecification(
                McpSchema.Tool.builder().name("slow").description("Waits until released")
                        .inputSchema(Map.of("type", "object")).build(),
                (exchange, request) -> {
                    slowStarted.countDown();
                    try {
                        boolean released = slowRelease.await(30, TimeUnit.SECONDS);
                        return CallToolResult.builder().addTextContent(released ? "finished" : "timed out").build();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return CallToolResult.builder().addTextContent("interrupted").isError(true).build();
                    }
                });
        var chatty = new SyncToolSpecification(
                McpSchema.Tool.builder().name("chatty").description("Logs twice, then asks the client's model")
                        .inputSchema(Map.of("type", "object")).build(),
                (exchange, request) -> {
                    for (int i = 1; i <= 2; i++) {
                        exchange.loggingNotification(McpSchema.LoggingMessageNotification.builder()
                                .level(McpSchema.LoggingLevel.INFO).data("step " + i).build());
                    }
                    if (exchange.getClientCapabilities() == null || exchange.getClientCapabilities().sampling() == null) {
                        return CallToolResult.builder().addTextContent("logged").build();
                    }
                    var answer = exchange.createMessage(McpSchema.CreateMessageRequest.builder()
                            .messages(List.of(new McpSchema.SamplingMessage(McpSchema.Role.USER, new McpSchema.TextContent("hi"))))
                            .maxTokens(5).build());
                    return CallToolResult.builder().addTextContent("model said " + ((McpSchema.TextContent) answer.content()).text()).build();
                });
        var stepwise = new SyncToolSpecification(
                McpSchema.Tool.builder().name("stepwise").description("Logs step 1, waits for the test, logs step 2, answers")
                        .inputSchema(Map.of("type", "object")).build(),
                (exchange, request) -> {
                    log(exchange, "step 1");
                    try {
                        if (!stepwiseGoOn.await(30, TimeUnit.SECONDS)) {
                            return CallToolResult.builder().addTextContent("never told to go on").isError(true).build();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return CallToolResult.builder().addTextContent("interrupted").isError(true).build();
                    }
                    log(exchange, "step 2");
                    return CallToolResult.builder().addTextContent("both steps done").build();
                });
        var polling = new SyncToolSpecification(
                McpSchema.Tool.builder().name("polling").description("Closes its connection, logs, then answers")
                        .inputSchema(Map.of("type", "object")).build(),
                (exchange, request) -> {
                    boolean closed = SsePolling.closeConnection(exchange);
                    log(exchange, "after the close");
                    return CallToolResult.builder().addTextContent("connection closed: " + closed).build();
                });
        var greet = new SyncToolSpecification(
                McpSchema.Tool.builder().name("greet").description("Asks the user's name, then their town, then greets them")
                        .inputSchema(Map.of("type", "object")).build(),
                (exchange, request) -> {
                    String name = answer(ClientInput.elicit(exchange, "name", question("Your name?", "name")), "name");
                    String town = answer(ClientInput.elicit(exchange, "town", question("Your town?", "town")), "town");
                    return CallToolResult.builder().addTextContent("Hello " + name + " from " + town).build();
                });
        var route = new SyncToolSpecification(
                McpSchema.Tool.builder().name("route").description("Names its region and shard; both are mirrored into headers")
                        .inputSchema(Map.of("type", "object", "properties", Map.of(
                                "region", Map.of("type", "string", "x-mcp-header", "Region"),
                                "shard", Map.of("type", "integer", "x-mcp-header", "Shard"),
                                "query", Map.of("type", "string")))).build(),
                (exchange, request) -> CallToolResult.builder().addTextContent("routed " + request.arguments().get("region")
                        + " " + request.arguments().get("shard")).build());
        var held = new SyncToolSpecification(
                McpSchema.Tool.builder().name("held").description("Answers after ms milliseconds (30 s if not given) unless interrupted")
                        .inputSchema(Map.of("type", "object", "properties", Map.of("ms", Map.of("type", "integer")))).build(),
                (exchange, request) -> {
                    long ms = request.arguments().get("ms") instanceof Number n ? n.longValue() : 30_000;
                    try {
                        Thread.sleep(ms);
                        return CallToolResult.builder().addTextContent("held " + ms + " ms").build();
                    } catch (InterruptedException e) {
                        heldInterrupted.countDown();
                        Thread.currentThread().interrupt();
                        return CallToolResult.builder().addTextContent("interrupted").isError(true).build();
                    }
                });
        return new McpFeatures("kairos-test", "0", null, List.of(echo, whoami, slow, chatty, stepwise, polling, greet, route, held),
                List.of(), List.of(), List.of(), List.of());
    }

    private static void log(io.modelcontextprotocol.server.McpSyncServerExchange exchange, String text) {
        exchange.loggingNotification(McpSchema.LoggingMessageNotification.builder()
                .level(McpSchema.LoggingLevel.INFO).data(text).build());
    }

    private static McpSchema.ElicitRequest question(String message, String field) {
        return McpSchema.ElicitRequest.builder(message, Map.of("type", "object",
                "properties", Map.of(field, Map.of("type", "string")), "required", List.of(field))).build();
    }

    private static String answer(McpSchema.ElicitResult result, String field) {
        return result.content() == null ? "(declined)" : String.valueOf(result.content().get(field));
    }
}
