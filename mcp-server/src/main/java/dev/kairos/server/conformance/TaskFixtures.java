package dev.kairos.server.conformance;

import dev.kairos.transports.ClientInput;
import dev.kairos.transports.TaskSpec;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ElicitRequest;
import io.modelcontextprotocol.spec.McpSchema.ElicitResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import static dev.kairos.server.conformance.Schemas.NO_ARGUMENTS;
import static dev.kairos.server.conformance.Schemas.object;
import static dev.kairos.server.conformance.Schemas.ordered;
import static dev.kairos.server.conformance.Schemas.string;

/** The conformance suite's fixtures for the tasks extension (SEP-2663): a sync tool and tools that run as tasks. */
final class TaskFixtures {
    private TaskFixtures() {
    }

    /** A tool and, when it runs as a task, how. */
    record Fixture(SyncToolSpecification tool, TaskSpec task) {
    }

    static List<Fixture> all() {
        TaskSpec optional = TaskSpec.optional();
        TaskSpec required = new TaskSpec(TaskSpec.Support.REQUIRED, null, null);
        return List.of(
                new Fixture(tool("greet", "Greets someone (never a task)", object(ordered("name", string("Who to greet")), "name"),
                        (exchange, request) -> text("Hello, " + request.arguments().get("name") + "!")), null),
                new Fixture(tool("slow_compute", "Sleeps for the given seconds, then answers (a task when the client can take one)",
                        object(ordered("seconds", Map.of("type", "number", "description", "How long to work"),
                                "label", string("A name for this computation")), "seconds"), TaskFixtures::slowCompute), optional),
                new Fixture(tool("failing_job", "Always ends with a tool error after a moment (a task only)", NO_ARGUMENTS,
                        (exchange, request) -> {
                            pause(500);
                            return CallToolResult.builder().addTextContent("failing_job failed, as it always does").isError(true).build();
                        }), required),
                new Fixture(tool("protocol_error_job", "Fails with a protocol error", NO_ARGUMENTS,
                        (exchange, request) -> {
                            throw new McpError(new McpSchema.JSONRPCResponse.JSONRPCError(McpSchema.ErrorCodes.INTERNAL_ERROR,
                                    "protocol_error_job failed with a protocol error", null));
                        }), optional),
                new Fixture(tool("confirm_delete", "Asks for a confirmation before it deletes a (pretend) file",
                        object(ordered("filename", string("The file to delete")), "filename"),
                        (exchange, request) -> {
                            ElicitResult r = confirm(exchange, "confirm", "Delete " + request.arguments().get("filename") + "?");
                            return text(accepted(r) ? "Deleted " + request.arguments().get("filename")
                                    : "Kept " + request.arguments().get("filename"));
                        }), optional),
                new Fixture(tool("multi_input", "Asks two questions at once", NO_ARGUMENTS,
                        (exchange, request) -> {
                            Map<String, ClientInput.Ask> asks = new LinkedHashMap<>();
                            asks.put("first", new ClientInput.Elicit(question("First answer?")));
                            asks.put("second", new ClientInput.Elicit(question("Second answer?")));
                            Map<String, Object> answers = ClientInput.ask(exchange, asks);
                            return text("Answers: " + answers.size());
                        }), optional),
                new Fixture(tool("test_tool_with_task", "Asks for the user's name, then greets them from a task", NO_ARGUMENTS,
                        (exchange, request) -> text("Hello, " + userName(exchange) + "!")),
                        new TaskSpec(TaskSpec.Support.REQUIRED, (exchange, request) -> userName(exchange), null)));
    }

    private static CallToolResult slowCompute(McpSyncServerExchange exchange, CallToolRequest request) {
        Object s = request.arguments().get("seconds");
        double seconds = s instanceof Number n ? n.doubleValue() : 0;
        pause((long) Math.min(seconds * 1000, 600_000));
        return text("Computed " + request.arguments().getOrDefault("label", "result") + " in " + seconds + " s");
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    private static String userName(McpSyncServerExchange exchange) {
        ElicitResult r = ClientInput.elicit(exchange, "user_name", ElicitRequest.builder("What is your name?",
                object(ordered("name", string("Your name")), "name")).build());
        return r.content() == null ? "stranger" : String.valueOf(r.content().get("name"));
    }

    private static ElicitResult confirm(McpSyncServerExchange exchange, String key, String message) {
        return ClientInput.elicit(exchange, key, ElicitRequest.builder(message,
                object(ordered("confirm", Map.of("type", "boolean", "description", "Go ahead?")), "confirm")).build());
    }

    private static ElicitRequest question(String message) {
        return ElicitRequest.builder(message, object(ordered("name", string("Your answer")))).build();
    }

    private static boolean accepted(ElicitResult r) {
        return r.action() == ElicitResult.Action.ACCEPT;
    }

    private static CallToolResult text(String text) {
        return CallToolResult.builder().addTextContent(text).build();
    }

    private static SyncToolSpecification tool(String name, String description, Map<String, Object> schema,
                                              BiFunction<McpSyncServerExchange, CallToolRequest, CallToolResult> handler) {
        return SyncToolSpecification.builder()
                .tool(Tool.builder(name, schema).description(description).build())
                .callHandler(handler)
                .build();
    }
}
