package dev.kairos.server.conformance;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.transports.SsePolling;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.AudioContent;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ClientCapabilities;
import io.modelcontextprotocol.spec.McpSchema.Content;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageRequest;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageResult;
import io.modelcontextprotocol.spec.McpSchema.ElicitRequest;
import io.modelcontextprotocol.spec.McpSchema.ElicitResult;
import io.modelcontextprotocol.spec.McpSchema.EmbeddedResource;
import io.modelcontextprotocol.spec.McpSchema.ImageContent;
import io.modelcontextprotocol.spec.McpSchema.LoggingLevel;
import io.modelcontextprotocol.spec.McpSchema.LoggingMessageNotification;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.Role;
import io.modelcontextprotocol.spec.McpSchema.SamplingMessage;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;
import io.modelcontextprotocol.spec.McpSchema.Tool;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import static dev.kairos.server.conformance.Schemas.NO_ARGUMENTS;
import static dev.kairos.server.conformance.Schemas.object;
import static dev.kairos.server.conformance.Schemas.ordered;
import static dev.kairos.server.conformance.Schemas.string;

/** The tools the conformance suite calls, plus {@code echo} for the benchmark. */
final class FixtureTools {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WatchedResource watched;

    FixtureTools(WatchedResource watched) {
        this.watched = watched;
    }

    List<SyncToolSpecification> all() {
        return List.of(
                tool("echo", "Returns the message it is given", object(ordered("message", string("Text to send back")), "message"),
                        (exchange, request) -> echo(request)),
                tool("test_simple_text", "Returns one text item", NO_ARGUMENTS,
                        (exchange, request) -> ok(new TextContent("This is a simple text response for testing."))),
                tool("test_image_content", "Returns a 1x1 PNG image", NO_ARGUMENTS,
                        (exchange, request) -> ok(new ImageContent(null, Samples.RED_PIXEL_PNG, "image/png"))),
                tool("test_audio_content", "Returns a short WAV clip", NO_ARGUMENTS,
                        (exchange, request) -> ok(new AudioContent(null, Samples.SILENT_WAV, "audio/wav"))),
                tool("test_embedded_resource", "Returns an embedded text resource", NO_ARGUMENTS,
                        (exchange, request) -> ok(embedded("test://embedded-resource", "text/plain",
                                "This is an embedded resource content."))),
                tool("test_multiple_content_types", "Returns text, an image and an embedded resource", NO_ARGUMENTS,
                        (exchange, request) -> ok(
                                new TextContent("Multiple content types test:"),
                                new ImageContent(null, Samples.RED_PIXEL_PNG, "image/png"),
                                embedded("test://mixed-content-resource", "application/json", "{\"test\":\"data\",\"value\":123}"))),
                tool("test_tool_with_logging", "Sends three log messages while it runs", NO_ARGUMENTS,
                        (exchange, request) -> withLogging(exchange)),
                tool("test_tool_with_progress", "Reports progress 0, 50 and 100 of 100 when asked for progress", NO_ARGUMENTS,
                        FixtureTools::withProgress),
                tool("test_error_handling", "Always fails with a tool error", NO_ARGUMENTS,
                        (exchange, request) -> error("This tool intentionally returns an error for testing")),
                tool("test_sampling", "Asks the client's model to answer a prompt",
                        object(ordered("prompt", string("The prompt to send to the LLM")), "prompt"),
                        FixtureTools::sampling),
                tool("test_elicitation", "Asks the user for a username and an email",
                        object(ordered("message", string("The message to show the user")), "message"),
                        FixtureTools::elicitation),
                tool("test_elicitation_sep1034_defaults", "Asks the user for values that all have defaults (SEP-1034)",
                        NO_ARGUMENTS, (exchange, request) -> elicit(exchange, "Please review your information", defaultsSchema())),
                tool("test_elicitation_sep1330_enums", "Asks the user to pick from every kind of enum (SEP-1330)",
                        NO_ARGUMENTS, (exchange, request) -> elicit(exchange, "Select your preferences", enumsSchema())),
                tool("json_schema_2020_12_tool", "Takes a JSON Schema 2020-12 input with $defs and a $ref (SEP-1613)",
                        schema2020(), (exchange, request) -> ok(new TextContent("Received " + request.arguments()))),
                tool("test_reconnection", "Lets go of its SSE connection mid-call (SEP-1699); the client gets the result "
                        + "after reconnecting with Last-Event-ID", NO_ARGUMENTS, (exchange, request) -> reconnection(exchange)),
                tool("test_update_watched_resource", "Changes test://watched-resource and notifies its subscribers",
                        NO_ARGUMENTS, (exchange, request) -> ok(new TextContent("test://watched-resource is now at revision "
                                + watched.touch()))));
    }

    private static SyncToolSpecification tool(String name, String description, Map<String, Object> inputSchema,
                                              BiFunction<McpSyncServerExchange, CallToolRequest, CallToolResult> handler) {
        return SyncToolSpecification.builder()
                .tool(Tool.builder(name, inputSchema).description(description).build())
                .callHandler(handler)
                .build();
    }

    private static CallToolResult echo(CallToolRequest request) {
        // The SDK validates arguments against the schema first; this guards callers that switch that off.
        if (!(request.arguments().get("message") instanceof String message)) {
            return error("message: a string is required");
        }
        return ok(new TextContent(message));
    }

    /**
     * Closes the connection before answering, so the result can only reach the client through a
     * GET with Last-Event-ID. Where there is no such connection (stdio, legacy SSE, a client before
     * 2025-11-25) it just answers.
     */
    private static CallToolResult reconnection(McpSyncServerExchange exchange) {
        boolean closed = SsePolling.closeConnection(exchange);
        return ok(new TextContent(closed
                ? "Reconnection test completed: this result was sent after the server closed the connection"
                : "Reconnection test completed without closing a connection (this transport has none to close)"));
    }

    private static CallToolResult withLogging(McpSyncServerExchange exchange) {
        for (String step : List.of("Tool execution started", "Tool processing data", "Tool execution completed")) {
            exchange.loggingNotification(LoggingMessageNotification.builder(LoggingLevel.INFO, step)
                    .logger("test_tool_with_logging").build());
        }
        return ok(new TextContent("Tool with logging executed successfully"));
    }

    private static CallToolResult withProgress(McpSyncServerExchange exchange, CallToolRequest request) {
        Object token = request.meta() == null ? null : request.meta().get("progressToken");
        if (token == null) {
            return ok(new TextContent("Tool with progress executed without a progress token"));
        }
        for (double done : new double[] {0, 50, 100}) {
            exchange.progressNotification(ProgressNotification.builder(token, done).total(100.0)
                    .message("step " + (int) done + " of 100").build());
        }
        return ok(new TextContent("Tool with progress executed successfully"));
    }

    private static CallToolResult sampling(McpSyncServerExchange exchange, CallToolRequest request) {
        ClientCapabilities caps = exchange.getClientCapabilities();
        if (caps == null || caps.sampling() == null) {
            return error("test_sampling needs a client with the sampling capability");
        }
        String prompt = String.valueOf(request.arguments().get("prompt"));
        CreateMessageResult answer = exchange.createMessage(CreateMessageRequest.builder(
                List.of(new SamplingMessage(Role.USER, new TextContent(prompt))), 100).build());
        return ok(new TextContent("LLM response: " + describe(answer.content())));
    }

    private static CallToolResult elicitation(McpSyncServerExchange exchange, CallToolRequest request) {
        Map<String, Object> schema = object(ordered(
                "username", string("User's response"),
                "email", string("User's email address")), "username", "email");
        ElicitResult answer = elicitOrNull(exchange, String.valueOf(request.arguments().get("message")), schema);
        if (answer == null) {
            return error("test_elicitation needs a client with the elicitation capability");
        }
        return ok(new TextContent("User response: action=" + answer.action().name().toLowerCase()
                + ", content=" + json(answer.content())));
    }

    private static CallToolResult elicit(McpSyncServerExchange exchange, String message, Map<String, Object> schema) {
        ElicitResult answer = elicitOrNull(exchange, message, schema);
        if (answer == null) {
            return error("this tool needs a client with the elicitation capability");
        }
        return ok(new TextContent("Elicitation completed: action=" + answer.action().name().toLowerCase()
                + ", content=" + json(answer.content())));
    }

    private static ElicitResult elicitOrNull(McpSyncServerExchange exchange, String message, Map<String, Object> schema) {
        ClientCapabilities caps = exchange.getClientCapabilities();
        if (caps == null || caps.elicitation() == null) {
            return null;
        }
        return exchange.createElicitation(ElicitRequest.builder(message, schema).build());
    }

    /** SEP-1034: a default for every primitive type. */
    static Map<String, Object> defaultsSchema() {
        return object(ordered(
                "name", ordered("type", "string", "description", "Full name", "default", "John Doe"),
                "age", ordered("type", "integer", "description", "Age in years", "default", 30),
                "score", ordered("type", "number", "description", "Test score", "default", 95.5),
                "status", ordered("type", "string", "description", "Account status",
                        "enum", List.of("active", "inactive", "pending"), "default", "active"),
                "verified", ordered("type", "boolean", "description", "Verified account", "default", true)));
    }

    /** SEP-1330: the five enum shapes, titled and untitled, single and multiple choice. */
    static Map<String, Object> enumsSchema() {
        return object(ordered(
                "untitledSingle", ordered("type", "string", "enum", List.of("option1", "option2", "option3")),
                "titledSingle", ordered("type", "string", "oneOf", List.of(
                        choice("value1", "First Option"), choice("value2", "Second Option"), choice("value3", "Third Option"))),
                "legacyEnum", ordered("type", "string", "enum", List.of("opt1", "opt2", "opt3"),
                        "enumNames", List.of("Option One", "Option Two", "Option Three")),
                "untitledMulti", ordered("type", "array",
                        "items", ordered("type", "string", "enum", List.of("option1", "option2", "option3"))),
                "titledMulti", ordered("type", "array", "items", ordered("anyOf", List.of(
                        choice("value1", "First Choice"), choice("value2", "Second Choice"), choice("value3", "Third Choice"))))));
    }

    /** SEP-1613: the keywords a listing must pass through untouched. */
    static Map<String, Object> schema2020() {
        return ordered(
                "$schema", "https://json-schema.org/draft/2020-12/schema",
                "type", "object",
                "$defs", ordered("address", object(ordered(
                        "street", ordered("type", "string"),
                        "city", ordered("type", "string")))),
                "properties", ordered(
                        "name", ordered("type", "string"),
                        "address", ordered("$ref", "#/$defs/address")),
                "additionalProperties", false);
    }

    private static Map<String, Object> choice(String value, String title) {
        return ordered("const", value, "title", title);
    }

    private static EmbeddedResource embedded(String uri, String mimeType, String text) {
        return new EmbeddedResource(null, new TextResourceContents(uri, mimeType, text));
    }

    private static String describe(Content content) {
        return switch (content) {
            case TextContent text -> text.text();
            case null -> "(no content)";
            default -> "(" + content.type() + " content)";
        };
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            return String.valueOf(value);
        }
    }

    private static CallToolResult ok(Content... content) {
        return CallToolResult.builder().content(List.of(content)).isError(false).build();
    }

    private static CallToolResult error(String message) {
        return CallToolResult.builder().addTextContent(message).isError(true).build();
    }
}
