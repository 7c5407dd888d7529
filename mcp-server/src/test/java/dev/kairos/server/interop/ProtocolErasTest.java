package dev.kairos.server.interop;

import dev.kairos.server.testing.KairosProcess;
import dev.kairos.transports.ClientOptions;
import dev.kairos.transports.McpServerConnection;
import dev.kairos.transports.ServerEndpoint;
import dev.kairos.transports.ServerState;
import dev.kairos.transports.ServerUnavailableException;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kairos as a client of both protocol eras, told apart by MCP 2026-07-28's own rule: a
 * {@code server/discover} probe first, {@code initialize} when the server does not speak it. The
 * 2026-07-28 servers are real Kairos processes ({@code kairos serve} over HTTP, {@code kairos mcp}
 * over stdio, with the conformance fixtures, whose tools ask for input); the older one is
 * {@code @modelcontextprotocol/server-everything}.
 */
@Timeout(180)
class ProtocolErasTest {
    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<McpSchema.ElicitFormRequest> asked = new CopyOnWriteArrayList<>();
    private final List<McpSchema.CreateMessageRequest> sampled = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    private ClientOptions options() {
        // the same kind of handler the 2025 path uses: a person who answers with a name
        return ClientOptions.defaults("test").withInitializeTimeout(Duration.ofSeconds(60))
                .withElicitation(req -> {
                    asked.add(req);
                    return new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.ACCEPT, Map.of("name", "Ada"));
                }, true)
                .withSampling(req -> {
                    sampled.add(req);
                    return McpSchema.CreateMessageResult.builder().role(McpSchema.Role.ASSISTANT)
                            .content(new McpSchema.TextContent("Paris, says the model")).model("test-model").build();
                });
    }

    private McpServerConnection connect(String name, ServerEndpoint endpoint, ClientOptions options) {
        McpServerConnection c = McpServerConnection.open(name, endpoint, options);
        open.add(c);
        return c;
    }

    private static Instant in(Duration d) {
        return Instant.now().plus(d);
    }

    private static String text(McpSchema.CallToolResult r) {
        return r.content().stream().filter(c -> c instanceof McpSchema.TextContent)
                .map(c -> ((McpSchema.TextContent) c).text()).findFirst().orElse("");
    }

    /** What every 2026-07-28 server must do for us, whatever the wire. */
    private void speaksTheStatelessRevision(McpServerConnection c, String transport) throws Exception {
        ServerState st = c.state();
        assertEquals(ServerState.Status.READY, st.status(), st.detail());
        assertTrue(c.probed());
        assertEquals("2026-07-28", st.protocol());
        assertEquals(transport, st.transport());
        assertTrue(st.server() != null && st.server().startsWith("kairos"), String.valueOf(st.server()));
        List<String> names = c.tools().stream().map(McpSchema.Tool::name).toList();
        assertTrue(names.contains("test_simple_text") && names.contains("test_input_required_result_multi_round"), names.toString());

        McpSchema.CallToolResult simple = c.call("test_simple_text", Map.of(), null, in(Duration.ofSeconds(30)));
        assertFalse(Boolean.TRUE.equals(simple.isError()), text(simple));
        assertFalse(text(simple).isEmpty());

        // input_required: each round's question goes to the elicitation handler, the retry carries the answer
        McpSchema.CallToolResult greeted = c.call("test_input_required_result_elicitation", Map.of(), null, in(Duration.ofSeconds(30)));
        assertEquals("Hello, Ada!", text(greeted));
        assertEquals(1, asked.size(), asked.toString());
        McpSchema.CallToolResult twoRounds = c.call("test_input_required_result_multi_round", Map.of(), null, in(Duration.ofSeconds(30)));
        assertFalse(Boolean.TRUE.equals(twoRounds.isError()), text(twoRounds));
        assertEquals(3, asked.size(), "two more questions, one per round: " + asked);
        assertTrue(text(twoRounds).startsWith("Name Ada"), text(twoRounds));

        // a sampling question goes to the sampling handler; one we cannot answer (roots) ends the call with an error
        McpSchema.CallToolResult sample = c.call("test_input_required_result_sampling", Map.of(), null, in(Duration.ofSeconds(30)));
        assertEquals("Paris, says the model", text(sample));
        assertEquals(1, sampled.size());
        McpSchema.CallToolResult roots = c.call("test_input_required_result_list_roots", Map.of(), null, in(Duration.ofSeconds(30)));
        assertTrue(Boolean.TRUE.equals(roots.isError()), text(roots));

        List<McpSchema.ProgressNotification> progress = new CopyOnWriteArrayList<>();
        McpSchema.CallToolResult withProgress = c.call("test_tool_with_progress", Map.of(), progress::add, in(Duration.ofSeconds(30)));
        assertFalse(Boolean.TRUE.equals(withProgress.isError()), text(withProgress));
        assertFalse(progress.isEmpty(), "progress notifications reach the caller");

        // a call out of time is aborted (stream closed, or notifications/cancelled on stdio); the server keeps serving
        ServerUnavailableException late = assertThrows(ServerUnavailableException.class,
                () -> c.call("test_simple_text", Map.of(), null, Instant.now()));
        assertTrue(late.getMessage().contains("in time"), late.getMessage());
        assertFalse(text(c.call("test_simple_text", Map.of(), null, in(Duration.ofSeconds(30)))).isEmpty());
    }

    @Test
    void kairosServeOverHttpIsSpokenToStatelessly() throws Exception {
        KairosProcess serve = KairosProcess.serve(KairosProcess.NO_MEMORY, "--conformance-fixtures");
        open.add(serve);
        McpServerConnection c = connect("kairos-http", new ServerEndpoint.Http(serve.baseUrl() + "/mcp", Map.of(),
                ServerEndpoint.HttpKind.AUTO), options());
        speaksTheStatelessRevision(c, "streamable-http");
    }

    @Test
    void kairosMcpOverStdioIsSpokenToStatelessly() throws Exception {
        List<String> cmd = KairosProcess.command("mcp", "--conformance-fixtures");
        ServerEndpoint.Stdio stdio = new ServerEndpoint.Stdio(cmd.getFirst(), cmd.subList(1, cmd.size()),
                Map.of("KAIROS_MEMORY_MODE", "off", "KAIROS_DATA_DIR", Files.createTempDirectory("kairos-data").toString()),
                null);
        McpServerConnection c = connect("kairos-stdio", stdio, options());
        speaksTheStatelessRevision(c, "stdio");
    }

    @Test
    void anOlderServerFallsBackToInitializeAndIsNotProbedTwice() throws Exception {
        ServerEndpoint.Stdio everything = NpmServer.stdio("server-everything", "stdio");
        McpServerConnection first = connect("everything", everything, options());
        assertEquals(ServerState.Status.READY, first.state().status(), first.state().detail());
        assertTrue(first.probed(), "an unknown server is probed with server/discover");
        assertTrue(first.state().protocol().startsWith("2025-"), first.state().protocol());
        assertTrue(first.tools().stream().anyMatch(t -> t.name().equals("echo")));
        assertEquals("Echo: hi", text(first.call("echo", Map.of("message", "hi"), null, in(Duration.ofSeconds(30)))));
        first.close();

        McpServerConnection second = connect("everything", everything, options());
        assertEquals(ServerState.Status.READY, second.state().status(), second.state().detail());
        assertFalse(second.probed(), "the era of this server is remembered: straight to initialize");
        assertTrue(second.state().protocol().startsWith("2025-"), second.state().protocol());
        assertEquals("Echo: again", text(second.call("echo", Map.of("message", "again"), null, in(Duration.ofSeconds(30)))));
    }

    @Test
    void aServerThatNeverAnswersTheProbeIsBounded() {
        // reads everything, answers nothing: neither server/discover nor initialize
        ServerEndpoint.Stdio mute = new ServerEndpoint.Stdio("sh", List.of("-c", "cat > /dev/null"), Map.of(), null);
        McpServerConnection c = connect("mute", mute, ClientOptions.defaults("test").withInitializeTimeout(Duration.ofSeconds(2)));
        assertTrue(c.probed());
        assertEquals(ServerState.Status.FAILED, c.state().status());
        assertTrue(c.state().detail().contains("initialize"), c.state().detail());
    }
}
