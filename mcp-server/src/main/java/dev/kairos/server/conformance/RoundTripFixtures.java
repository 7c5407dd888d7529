package dev.kairos.server.conformance;

import dev.kairos.transports.ClientInput;
import io.modelcontextprotocol.server.McpServerFeatures.SyncPromptSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ClientCapabilities;
import io.modelcontextprotocol.spec.McpSchema.Content;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageRequest;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageResult;
import io.modelcontextprotocol.spec.McpSchema.ElicitRequest;
import io.modelcontextprotocol.spec.McpSchema.ElicitResult;
import io.modelcontextprotocol.spec.McpSchema.GetPromptResult;
import io.modelcontextprotocol.spec.McpSchema.ListRootsResult;
import io.modelcontextprotocol.spec.McpSchema.LoggingLevel;
import io.modelcontextprotocol.spec.McpSchema.LoggingMessageNotification;
import io.modelcontextprotocol.spec.McpSchema.Prompt;
import io.modelcontextprotocol.spec.McpSchema.PromptMessage;
import io.modelcontextprotocol.spec.McpSchema.Role;
import io.modelcontextprotocol.spec.McpSchema.SamplingMessage;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.Tool;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

import static dev.kairos.server.conformance.Schemas.NO_ARGUMENTS;
import static dev.kairos.server.conformance.Schemas.object;
import static dev.kairos.server.conformance.Schemas.ordered;

/**
 * The conformance suite's multi round-trip fixtures (SEP-2322) and its capability probe: tools and a
 * prompt that ask the client for input through {@link ClientInput}, so the same handler asks at once
 * on a 2025-11-25 session and through {@code input_required} results on 2026-07-28.
 */
final class RoundTripFixtures {
    private RoundTripFixtures() {
    }

    static List<SyncToolSpecification> tools() {
        return List.of(
                tool("test_input_required_result_elicitation", "Asks for the user's name, then greets them",
                        (exchange, request) -> text("Hello, " + name(elicit(exchange, "user_name", "What is your name?", "name", "string")) + "!")),
                tool("test_input_required_result_sampling", "Asks the client's model a question",
                        (exchange, request) -> text(describe(ClientInput.sample(exchange, "capital_question",
                                question("What is the capital of France?", 100)).content()))),
                tool("test_input_required_result_list_roots", "Lists the client's roots",
                        (exchange, request) -> text("Roots: " + roots(ClientInput.roots(exchange, "client_roots")))),
                tool("test_input_required_result_request_state", "Asks for a confirmation and checks its request state on the way back",
                        (exchange, request) -> {
                            elicit(exchange, "confirm", "Please confirm", "ok", "boolean");
                            return text(ClientInput.stateVerified(exchange) ? "Confirmed: state-ok" : "Confirmed without request state");
                        }),
                tool("test_input_required_result_multiple_inputs", "Asks for a name, a greeting and the roots in one round",
                        (exchange, request) -> {
                            Map<String, ClientInput.Ask> asks = new LinkedHashMap<>();
                            asks.put("user_name", elicitation("What is your name?", "name", "string"));
                            asks.put("greeting", new ClientInput.Sample(question("Generate a greeting", 50)));
                            asks.put("client_roots", new ClientInput.ListRoots());
                            Map<String, Object> answers = ClientInput.ask(exchange, asks);
                            return text("Name " + name((ElicitResult) answers.get("user_name")) + ", greeting "
                                    + describe(((CreateMessageResult) answers.get("greeting")).content())
                                    + ", roots " + roots((ListRootsResult) answers.get("client_roots")));
                        }),
                tool("test_input_required_result_multi_round", "Asks two questions, one after the other",
                        (exchange, request) -> {
                            ElicitResult step1 = elicit(exchange, "step1", "Step 1: What is your name?", "name", "string");
                            ElicitResult step2 = elicit(exchange, "step2", "Step 2: What is your favorite color?", "color", "string");
                            return text("Name " + name(step1) + ", favourite colour " + field(step2, "color"));
                        }),
                tool("test_input_required_result_tampered_state", "Asks for a confirmation; a forged request state is refused",
                        (exchange, request) -> {
                            elicit(exchange, "confirm", "Please confirm", "ok", "boolean");
                            return text("Confirmed");
                        }),
                tool("test_input_required_result_capabilities", "Asks only what the client declared it can answer",
                        (exchange, request) -> {
                            ClientCapabilities caps = exchange.getClientCapabilities();
                            Map<String, ClientInput.Ask> asks = new LinkedHashMap<>();
                            if (caps != null && caps.elicitation() != null) {
                                asks.put("user_name", elicitation("What is your name?", "name", "string"));
                            }
                            if (caps != null && caps.sampling() != null) {
                                asks.put("capital_question", new ClientInput.Sample(question("What is the capital of France?", 100)));
                            }
                            if (asks.isEmpty()) {
                                return text("The client declared no capability to ask with");
                            }
                            return text("Answered: " + String.join(", ", ClientInput.ask(exchange, asks).keySet()));
                        }),
                tool("test_streaming_elicitation", "Logs a step, then asks the user to confirm",
                        (exchange, request) -> {
                            exchange.loggingNotification(LoggingMessageNotification.builder()
                                    .level(LoggingLevel.INFO).data("about to ask for a confirmation").build());
                            return text("Confirmed: " + field(elicit(exchange, "confirm", "Please confirm", "ok", "boolean"), "ok"));
                        }),
                tool("test_logging_tool", "Logs two messages (only sent when the request asks for a log level)",
                        (exchange, request) -> {
                            for (String step : List.of("first step", "second step")) {
                                exchange.loggingNotification(LoggingMessageNotification.builder()
                                        .level(LoggingLevel.INFO).data(step).build());
                            }
                            return text("Logged two messages");
                        }),
                tool("test_missing_capability", "Needs the client's sampling capability",
                        (exchange, request) -> text(describe(ClientInput.sample(exchange, "question",
                                question("Say hello", 20)).content()))));
    }

    static List<SyncPromptSpecification> prompts() {
        return List.of(new SyncPromptSpecification(
                Prompt.builder("test_input_required_result_prompt").title("Prompt Needing Input")
                        .description("Asks the user for context before it is built").arguments(List.of()).build(),
                (exchange, request) -> {
                    String context = field(elicit(exchange, "user_context", "What context should the prompt use?", "context", "string"), "context");
                    return new GetPromptResult("A prompt built from the user's context",
                            List.of(new PromptMessage(Role.USER, new TextContent("Use this context: " + context))));
                }));
    }

    private static SyncToolSpecification tool(String name, String description,
                                              BiFunction<McpSyncServerExchange, io.modelcontextprotocol.spec.McpSchema.CallToolRequest, CallToolResult> handler) {
        return SyncToolSpecification.builder()
                .tool(Tool.builder(name, NO_ARGUMENTS).description(description).build())
                .callHandler(handler)
                .build();
    }

    private static ClientInput.Elicit elicitation(String message, String field, String type) {
        return new ClientInput.Elicit(ElicitRequest.builder(message,
                object(ordered(field, ordered("type", type)), field)).build());
    }

    private static ElicitResult elicit(McpSyncServerExchange exchange, String key, String message, String field, String type) {
        return ClientInput.elicit(exchange, key, elicitation(message, field, type).request());
    }

    private static CreateMessageRequest question(String text, int maxTokens) {
        return CreateMessageRequest.builder(List.of(new SamplingMessage(Role.USER, new TextContent(text))), maxTokens).build();
    }

    private static String name(ElicitResult answer) {
        return field(answer, "name");
    }

    private static String field(ElicitResult answer, String field) {
        return answer.content() == null ? "(declined)" : String.valueOf(answer.content().get(field));
    }

    private static String roots(ListRootsResult roots) {
        return roots.roots() == null || roots.roots().isEmpty() ? "(none)"
                : roots.roots().stream().map(r -> r.uri()).collect(Collectors.joining(", "));
    }

    private static String describe(Content content) {
        return content instanceof TextContent t ? t.text() : "(" + (content == null ? "no" : content.type()) + " content)";
    }

    private static CallToolResult text(String text) {
        return CallToolResult.builder().addTextContent(text).isError(false).build();
    }
}
