package dev.kairos.server.conformance;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema.AudioContent;
import io.modelcontextprotocol.spec.McpSchema.BlobResourceContents;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ClientCapabilities;
import io.modelcontextprotocol.spec.McpSchema.CompleteRequest;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageRequest;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageResult;
import io.modelcontextprotocol.spec.McpSchema.ElicitFormRequest;
import io.modelcontextprotocol.spec.McpSchema.ElicitResult;
import io.modelcontextprotocol.spec.McpSchema.EmbeddedResource;
import io.modelcontextprotocol.spec.McpSchema.GetPromptRequest;
import io.modelcontextprotocol.spec.McpSchema.ImageContent;
import io.modelcontextprotocol.spec.McpSchema.LoggingMessageNotification;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.PromptReference;
import io.modelcontextprotocol.spec.McpSchema.ReadResourceRequest;
import io.modelcontextprotocol.spec.McpSchema.ResourceContents;
import io.modelcontextprotocol.spec.McpSchema.Role;
import io.modelcontextprotocol.spec.McpSchema.SubscribeRequest;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the conformance suite checks, asked by the Java SDK client over one transport; each subclass
 * names the transport, so the scenarios the suite cannot reach (legacy SSE, stdio) are covered too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FixtureScenarios {
    static final Duration WAIT = Duration.ofSeconds(15);

    private McpSyncClient client;
    private final BlockingQueue<LoggingMessageNotification> logs = new LinkedBlockingQueue<>();
    private final BlockingQueue<ProgressNotification> progress = new LinkedBlockingQueue<>();
    private final BlockingQueue<List<ResourceContents>> updates = new LinkedBlockingQueue<>();
    private final AtomicReference<CreateMessageRequest> lastSampling = new AtomicReference<>();
    private final BlockingQueue<ElicitFormRequest> elicitations = new LinkedBlockingQueue<>();

    /** Starts the server under test and returns a client transport connected to it. */
    abstract McpClientTransport startServer() throws Exception;

    /** Stops what {@link #startServer()} started. */
    abstract void stopServer();

    @BeforeAll
    void connect() throws Exception {
        client = McpClient.sync(startServer())
                .requestTimeout(WAIT)
                .initializationTimeout(Duration.ofSeconds(60))
                .capabilities(ClientCapabilities.builder().sampling().elicitation().build())
                .sampling(request -> {
                    lastSampling.set(request);
                    return CreateMessageResult.builder(Role.ASSISTANT, "four", "test-model").build();
                })
                .elicitation(request -> {
                    elicitations.add(request);
                    return new ElicitResult(ElicitResult.Action.ACCEPT, Map.of("username", "ada", "email", "ada@example.org"));
                })
                .loggingConsumer(logs::add)
                .progressConsumer(progress::add)
                .resourcesUpdateConsumer(updates::add)
                .build();
        client.initialize();
    }

    @AfterAll
    void disconnect() {
        try {
            if (client != null) {
                client.closeGracefully();
            }
        } finally {
            stopServer();
        }
    }

    @Test
    void listsEveryToolTheSuiteCalls() {
        List<String> names = client.listTools().tools().stream().map(Tool::name).toList();
        assertTrue(names.containsAll(List.of("echo", "test_simple_text", "test_image_content", "test_audio_content",
                "test_embedded_resource", "test_multiple_content_types", "test_tool_with_logging",
                "test_tool_with_progress", "test_error_handling", "test_sampling", "test_elicitation",
                "test_elicitation_sep1034_defaults", "test_elicitation_sep1330_enums", "json_schema_2020_12_tool")),
                "tools: " + names);
    }

    @Test
    void jsonSchema2020KeywordsSurviveTheListing() {
        Tool tool = client.listTools().tools().stream().filter(t -> t.name().equals("json_schema_2020_12_tool"))
                .findFirst().orElseThrow();
        assertEquals("https://json-schema.org/draft/2020-12/schema", tool.inputSchema().get("$schema"));
        assertEquals(false, tool.inputSchema().get("additionalProperties"));
        assertTrue(tool.inputSchema().get("$defs") instanceof Map<?, ?> defs && defs.containsKey("address"),
                "inputSchema: " + tool.inputSchema());
    }

    @Test
    void echoReturnsItsMessageAndNamesAMissingOne() {
        assertEquals("hello", text(call("echo", Map.of("message", "hello"))));
        CallToolResult missing = call("echo", Map.of());
        assertEquals(Boolean.TRUE, missing.isError());
        assertTrue(text(missing).contains("message"), text(missing));
    }

    @Test
    void contentToolsReturnTheirKinds() {
        assertEquals("This is a simple text response for testing.", text(call("test_simple_text", Map.of())));
        ImageContent image = assertInstanceOf(ImageContent.class, call("test_image_content", Map.of()).content().get(0));
        assertEquals("image/png", image.mimeType());
        assertTrue(java.util.Base64.getDecoder().decode(image.data())[1] == 'P', "PNG signature");
        AudioContent audio = assertInstanceOf(AudioContent.class, call("test_audio_content", Map.of()).content().get(0));
        assertEquals("audio/wav", audio.mimeType());
        assertTrue(new String(java.util.Base64.getDecoder().decode(audio.data()), 0, 4).equals("RIFF"), "WAV header");
        EmbeddedResource embedded = assertInstanceOf(EmbeddedResource.class,
                call("test_embedded_resource", Map.of()).content().get(0));
        assertEquals("test://embedded-resource", embedded.resource().uri());
        List<String> kinds = call("test_multiple_content_types", Map.of()).content().stream()
                .map(c -> c.type()).toList();
        assertEquals(List.of("text", "image", "resource"), kinds);
    }

    @Test
    void errorToolReturnsAToolErrorNotAProtocolError() {
        CallToolResult result = call("test_error_handling", Map.of());
        assertEquals(Boolean.TRUE, result.isError());
        assertFalse(text(result).isBlank());
    }

    @Test
    void loggingToolSendsThreeMessages() throws InterruptedException {
        logs.clear();
        call("test_tool_with_logging", Map.of());
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            LoggingMessageNotification n = logs.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertNotNull(n, "log message " + (i + 1) + " of 3 did not arrive; got " + seen);
            seen.add(n.data());
        }
        // The SDK client may hand notifications to the consumer out of order; wire order is the suite's to check.
        assertEquals(java.util.Set.of("Tool execution started", "Tool processing data", "Tool execution completed"),
                java.util.Set.copyOf(seen));
    }

    @Test
    void progressToolEchoesTheProgressToken() throws InterruptedException {
        progress.clear();
        client.callTool(CallToolRequest.builder("test_tool_with_progress").arguments(Map.of())
                .meta(Map.of("progressToken", "p-1")).build());
        List<Double> values = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ProgressNotification n = progress.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertNotNull(n, "progress " + (i + 1) + " of 3 did not arrive; got " + values);
            assertEquals("p-1", n.progressToken());
            values.add(n.progress());
        }
        assertEquals(List.of(0.0, 50.0, 100.0), values.stream().sorted().toList());
    }

    @Test
    void samplingAsksTheClientAndReturnsItsAnswer() {
        CallToolResult result = call("test_sampling", Map.of("prompt", "two plus two?"));
        assertEquals("LLM response: four", text(result));
        TextContent asked = assertInstanceOf(TextContent.class, lastSampling.get().messages().get(0).content());
        assertEquals("two plus two?", asked.text());
        assertEquals(100, lastSampling.get().maxTokens());
    }

    @Test
    void elicitationToolsSendTheSchemasOfSep1034AndSep1330() throws InterruptedException {
        elicitations.clear();
        assertTrue(text(call("test_elicitation", Map.of("message", "who are you?"))).contains("action=accept"));
        ElicitFormRequest basic = elicitations.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(basic);
        assertEquals("who are you?", basic.message());

        call("test_elicitation_sep1034_defaults", Map.of());
        Map<String, Object> defaults = properties(elicitations.poll(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertEquals("John Doe", field(defaults, "name").get("default"));
        assertEquals(30, ((Number) field(defaults, "age").get("default")).intValue());
        assertEquals(95.5, ((Number) field(defaults, "score").get("default")).doubleValue());
        assertEquals("active", field(defaults, "status").get("default"));
        assertEquals(true, field(defaults, "verified").get("default"));

        call("test_elicitation_sep1330_enums", Map.of());
        Map<String, Object> enums = properties(elicitations.poll(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(List.of("option1", "option2", "option3"), field(enums, "untitledSingle").get("enum"));
        assertEquals(3, ((List<?>) field(enums, "titledSingle").get("oneOf")).size());
        assertEquals(List.of("Option One", "Option Two", "Option Three"), field(enums, "legacyEnum").get("enumNames"));
        assertEquals("array", field(enums, "untitledMulti").get("type"));
        assertTrue(field(enums, "titledMulti").get("items") instanceof Map<?, ?> items && items.containsKey("anyOf"));
    }

    @Test
    void resourcesAndTemplateRead() {
        TextResourceContents text = assertInstanceOf(TextResourceContents.class,
                client.readResource(new ReadResourceRequest("test://static-text")).contents().get(0));
        assertEquals("text/plain", text.mimeType());
        BlobResourceContents blob = assertInstanceOf(BlobResourceContents.class,
                client.readResource(new ReadResourceRequest("test://static-binary")).contents().get(0));
        assertEquals("image/png", blob.mimeType());
        TextResourceContents data = assertInstanceOf(TextResourceContents.class,
                client.readResource(new ReadResourceRequest("test://template/123/data")).contents().get(0));
        assertEquals("test://template/123/data", data.uri());
        assertTrue(data.text().contains("\"id\":\"123\""), data.text());
        assertEquals(List.of(FixtureResources.TEMPLATE),
                client.listResourceTemplates().resourceTemplates().stream().map(t -> t.uriTemplate()).toList());
    }

    @Test
    void subscribersHearAboutTheWatchedResource() throws InterruptedException {
        updates.clear();
        client.subscribeResource(new SubscribeRequest(WatchedResource.URI));
        String revision = text(call("test_update_watched_resource", Map.of()));
        List<ResourceContents> update = updates.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(update, "no resources/updated notification after " + revision);
        TextResourceContents now = assertInstanceOf(TextResourceContents.class, update.get(0));
        assertTrue(revision.endsWith(now.text().substring(now.text().lastIndexOf(' ') + 1)),
                "read after update: " + now.text() + " / " + revision);
    }

    @Test
    void everyPromptHasADescriptionAndFillsItsArguments() {
        client.listPrompts().prompts().forEach(p ->
                assertFalse(p.description() == null || p.description().isBlank(), p.name() + " has no description"));
        TextContent filled = assertInstanceOf(TextContent.class, client.getPrompt(new GetPromptRequest(
                "test_prompt_with_arguments", Map.of("arg1", "hello", "arg2", "world"))).messages().get(0).content());
        assertEquals("Prompt with arguments: arg1='hello', arg2='world'", filled.text());
        EmbeddedResource embedded = assertInstanceOf(EmbeddedResource.class, client.getPrompt(new GetPromptRequest(
                "test_prompt_with_embedded_resource", Map.of("resourceUri", "test://example"))).messages().get(0).content());
        assertEquals("test://example", embedded.resource().uri());
        assertInstanceOf(ImageContent.class, client.getPrompt(new GetPromptRequest("test_prompt_with_image", Map.of()))
                .messages().get(0).content());
    }

    @Test
    void missingPromptArgumentIsAnInvalidParamsErrorNamingIt() {
        McpError error = assertThrows(McpError.class, () -> client.getPrompt(
                new GetPromptRequest("test_prompt_with_arguments", Map.of("arg1", "x"))));
        assertTrue(error.getMessage().contains("arg2"), error.getMessage());
    }

    @Test
    void completionSuggestsByPrefix() {
        var completion = client.completeCompletion(new CompleteRequest(new PromptReference("test_prompt_with_arguments"),
                new CompleteRequest.CompleteArgument("arg1", "par"))).completion();
        assertEquals(List.of("paris", "park", "party"), completion.values());
    }

    private CallToolResult call(String tool, Map<String, Object> arguments) {
        return client.callTool(new CallToolRequest(tool, arguments));
    }

    private static String text(CallToolResult result) {
        return assertInstanceOf(TextContent.class, result.content().get(0)).text();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> properties(ElicitFormRequest request) {
        assertNotNull(request, "no elicitation request arrived");
        return (Map<String, Object>) request.requestedSchema().get("properties");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> field(Map<String, Object> properties, String name) {
        assertNotNull(properties.get(name), "property " + name + " missing from " + properties.keySet());
        return (Map<String, Object>) properties.get(name);
    }
}
