package dev.kairos.server.conformance;

import io.modelcontextprotocol.server.McpServerFeatures.SyncCompletionSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncPromptSpecification;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema.CompleteResult;
import io.modelcontextprotocol.spec.McpSchema.CompleteResult.CompleteCompletion;
import io.modelcontextprotocol.spec.McpSchema.EmbeddedResource;
import io.modelcontextprotocol.spec.McpSchema.ErrorCodes;
import io.modelcontextprotocol.spec.McpSchema.GetPromptRequest;
import io.modelcontextprotocol.spec.McpSchema.GetPromptResult;
import io.modelcontextprotocol.spec.McpSchema.ImageContent;
import io.modelcontextprotocol.spec.McpSchema.Prompt;
import io.modelcontextprotocol.spec.McpSchema.PromptArgument;
import io.modelcontextprotocol.spec.McpSchema.PromptMessage;
import io.modelcontextprotocol.spec.McpSchema.PromptReference;
import io.modelcontextprotocol.spec.McpSchema.Role;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The {@code test_*} prompts (each with a description, which the suite checks) and their completion. */
final class FixturePrompts {
    static final String WITH_ARGUMENTS = "test_prompt_with_arguments";

    /** What completion offers for each argument of {@code test_prompt_with_arguments}. */
    private static final Map<String, List<String>> SUGGESTIONS = Map.of(
            "arg1", List.of("paris", "park", "party", "hello", "help"),
            "arg2", List.of("world", "work", "word", "wonder"));

    private FixturePrompts() {
    }

    static List<SyncPromptSpecification> prompts() {
        return List.of(
                new SyncPromptSpecification(
                        Prompt.builder("test_simple_prompt").title("Simple Prompt")
                                .description("A prompt without arguments").arguments(List.of()).build(),
                        (exchange, request) -> messages(user(new TextContent("This is a simple prompt for testing.")))),
                new SyncPromptSpecification(
                        Prompt.builder(WITH_ARGUMENTS).title("Prompt With Arguments")
                                .description("A prompt that fills in two arguments")
                                .arguments(List.of(argument("arg1", "First test argument"),
                                        argument("arg2", "Second test argument")))
                                .build(),
                        (exchange, request) -> messages(user(new TextContent("Prompt with arguments: arg1='"
                                + required(request, "arg1") + "', arg2='" + required(request, "arg2") + "'")))),
                new SyncPromptSpecification(
                        Prompt.builder("test_prompt_with_embedded_resource").title("Prompt With Embedded Resource")
                                .description("A prompt that embeds the resource it is given")
                                .arguments(List.of(argument("resourceUri", "URI of the resource to embed")))
                                .build(),
                        (exchange, request) -> messages(
                                user(new EmbeddedResource(null, new TextResourceContents(required(request, "resourceUri"),
                                        "text/plain", "Embedded resource content for testing."))),
                                user(new TextContent("Please process the embedded resource above.")))),
                new SyncPromptSpecification(
                        Prompt.builder("test_prompt_with_image").title("Prompt With Image")
                                .description("A prompt that carries an image").arguments(List.of()).build(),
                        (exchange, request) -> messages(
                                user(new ImageContent(null, Samples.RED_PIXEL_PNG, "image/png")),
                                user(new TextContent("Please analyze the image above.")))));
    }

    static List<SyncCompletionSpecification> completions() {
        return List.of(new SyncCompletionSpecification(new PromptReference(WITH_ARGUMENTS), (exchange, request) -> {
            String typed = request.argument().value() == null ? "" : request.argument().value().toLowerCase(Locale.ROOT);
            List<String> values = SUGGESTIONS.getOrDefault(request.argument().name(), List.of()).stream()
                    .filter(v -> v.startsWith(typed))
                    .toList();
            return new CompleteResult(new CompleteCompletion(values, values.size(), false));
        }));
    }

    private static String required(GetPromptRequest request, String name) {
        Object value = request.arguments() == null ? null : request.arguments().get(name);
        if (value == null) {
            throw McpError.builder(ErrorCodes.INVALID_PARAMS)
                    .message("arguments." + name + ": required by prompt " + request.name()).build();
        }
        return value.toString();
    }

    private static PromptArgument argument(String name, String description) {
        return new PromptArgument(name, description, true);
    }

    private static PromptMessage user(io.modelcontextprotocol.spec.McpSchema.Content content) {
        return new PromptMessage(Role.USER, content);
    }

    private static GetPromptResult messages(PromptMessage... messages) {
        return new GetPromptResult(null, List.of(messages));
    }
}
