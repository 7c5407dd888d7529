package dev.kairos.server.interop;

import dev.kairos.agent.CatalogueTool;
import dev.kairos.agent.DownstreamServers;
import dev.kairos.agent.ExecutorSettings;
import dev.kairos.agent.LiveCatalogue;
import dev.kairos.agent.McpServerSettings;
import dev.kairos.agent.McpServersConfig;
import dev.kairos.agent.McpToolProvider;
import dev.kairos.agent.ParallelToolExecutor;
import dev.kairos.agent.ToolApproval;
import dev.kairos.agent.ToolCallResult;
import dev.kairos.agent.ToolEvent;
import dev.kairos.agent.ToolHints;
import dev.kairos.agent.ToolOutcome;
import dev.kairos.inference.ToolCall;
import dev.kairos.transports.ClientOptions;
import dev.kairos.transports.ServerState;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code @modelcontextprotocol/server-everything} as a downstream tool server through the whole
 * client stack (DownstreamServers, LiveCatalogue, ParallelToolExecutor): over stdio, over its
 * Streamable HTTP mode, and over its legacy SSE mode reached by the fallback from a bare {@code url}.
 */
class EverythingServerTest {
    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<McpSchema.ElicitFormRequest> asked = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    private ClientOptions options() {
        // a person at the terminal who gives a name and agrees; the other fields keep their defaults
        return ClientOptions.defaults("test").withInitializeTimeout(Duration.ofSeconds(60))
                .withElicitation(req -> {
                    asked.add(req);
                    return new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.ACCEPT, Map.of("name", "Ada", "check", true));
                }, true);
    }

    private DownstreamServers connect(List<McpServerSettings> settings) throws InterruptedException {
        DownstreamServers s = DownstreamServers.connect(settings, options());
        open.add(s);
        return s;
    }

    private static ParallelToolExecutor executor(DownstreamServers servers) {
        return new ParallelToolExecutor(servers.catalogue(List.of(), Duration.ofSeconds(60)), ExecutorSettings.defaults(),
                ToolApproval.REFUSE);
    }

    private static List<McpServerSettings> config(String json) {
        return McpServersConfig.parse("mcp.json", json, Map.of());
    }

    @Test
    void overStdioABatchRunsInOrderWithProgressAnnotationsStructuredContentImagesAndElicitation() throws Exception {
        DownstreamServers servers = connect(List.of(McpServerSettings.of("everything", NpmServer.stdio("server-everything", "stdio"))));
        McpToolProvider p = servers.providers().getFirst();
        assertEquals(ServerState.Status.READY, p.state().status(), p.state().detail());
        assertEquals("stdio", p.state().transport());
        assertTrue(p.state().server().startsWith("mcp-servers/everything"), p.state().server());

        ParallelToolExecutor ex = executor(servers);
        LiveCatalogue cat = ex.catalogue();
        List<String> names = cat.tools().stream().map(CatalogueTool::modelName).toList();
        assertTrue(names.containsAll(List.of("echo", "get-sum", "get-structured-content", "get-tiny-image",
                "trigger-long-running-operation")), names.toString());
        // registered only for a client that declares elicitation: we did
        assertTrue(names.contains("trigger-elicitation-request"), names.toString());
        assertEquals(names.stream().sorted().toList(), names, "one server's tools are listed sorted by name");

        ToolHints echo = cat.find("echo").orElseThrow().descriptor().hints();
        assertEquals(new ToolHints(true, false, true, false), echo);
        assertTrue(cat.find("echo").orElseThrow().retryable() && cat.find("echo").orElseThrow().readOnly());
        CatalogueTool elicit = cat.find("trigger-elicitation-request").orElseThrow();
        assertFalse(elicit.readOnly());
        assertFalse(elicit.retryable(), "neither read-only nor idempotent: never retried");
        assertTrue(cat.find("gzip-file-as-resource").orElseThrow().descriptor().hints().openWorld());
        assertTrue(cat.find("get-structured-content").orElseThrow().descriptor().outputSchema().has("properties"));

        List<ToolEvent> events = Collections.synchronizedList(new ArrayList<>());
        List<ToolCall> calls = List.of(
                new ToolCall("c1", "echo", "{\"message\":\"hello\"}"),
                new ToolCall("c2", "get-sum", "{\"a\":2,\"b\":3}"),
                new ToolCall("c3", "get-structured-content", "{\"location\":\"Chicago\"}"),
                new ToolCall("c4", "get-tiny-image", "{}"),
                new ToolCall("c5", "trigger-long-running-operation", "{\"duration\":1,\"steps\":3}"),
                new ToolCall("c6", "trigger-elicitation-request", "{}"),
                new ToolCall("c7", "get-sum", "{\"a\":\"two\",\"b\":3}"),
                new ToolCall("c8", "get_sum", "{\"a\":1,\"b\":1}"));
        List<ToolCallResult> r = ex.runAll(calls, events::add);
        assertEquals(calls.stream().map(ToolCall::id).toList(), r.stream().map(x -> x.call().id()).toList());
        assertEquals("Echo: hello", r.get(0).text());
        assertEquals("The sum of 2 and 3 is 5.", r.get(1).text());
        assertEquals(36, r.get(2).structured().path("temperature").asInt(), r.get(2).text());
        assertTrue(r.get(3).text().contains("[image image/png"), r.get(3).text());
        assertEquals(ToolOutcome.OK, r.get(4).outcome(), r.get(4).text());
        assertTrue(r.get(4).text().startsWith("Long running operation completed"), r.get(4).text());
        List<ToolEvent.Progress> progress = events.stream()
                .filter(e -> e instanceof ToolEvent.Progress pr && pr.call().id().equals("c5"))
                .map(ToolEvent.Progress.class::cast).toList();
        assertEquals(List.of(1.0, 2.0, 3.0), progress.stream().map(ToolEvent.Progress::progress).toList(), events.toString());
        assertEquals(Double.valueOf(3), progress.getLast().total());
        assertTrue(r.get(5).text().contains("- Name: Ada") && r.get(5).text().contains("- Favorite Integer: 42"),
                "our answer, with the schema's defaults filled in: " + r.get(5).text());
        assertEquals("Please provide inputs for the following fields:", asked.getFirst().message());
        assertEquals(ToolOutcome.INVALID_ARGUMENTS, r.get(6).outcome(), r.get(6).text());
        assertTrue(r.get(6).text().contains("get-sum"), r.get(6).text());
        assertEquals(ToolOutcome.UNKNOWN_TOOL, r.get(7).outcome());
        assertTrue(r.get(7).text().contains("did you mean 'get-sum'"), r.get(7).text());
    }

    @Test
    void overStreamableHttpWithAnIncludeList() throws Exception {
        NpmServer http = NpmServer.everything("streamableHttp");
        open.add(http);
        DownstreamServers servers = connect(config("""
                {"servers": {"everything": {"type": "http", "url": "%s",
                  "include": ["trigger-long-running-operation", "get-sum", "echo", "no-such-tool"]}}}"""
                .formatted(http.url("/mcp"))));
        ServerState st = servers.providers().getFirst().state();
        assertEquals(ServerState.Status.READY, st.status(), st.detail());
        assertEquals("streamable-http", st.transport());
        ParallelToolExecutor ex = executor(servers);
        assertEquals(List.of("echo", "get-sum", "trigger-long-running-operation"),
                ex.catalogue().tools().stream().map(CatalogueTool::modelName).toList(), "only the included tools");
        List<ToolEvent> events = Collections.synchronizedList(new ArrayList<>());
        List<ToolCallResult> r = ex.runAll(List.of(
                new ToolCall("a", "trigger-long-running-operation", "{\"duration\":1,\"steps\":2}"),
                new ToolCall("b", "echo", "{\"message\":\"over http\"}"),
                new ToolCall("c", "get-env", "{}")), events::add);
        assertTrue(r.get(0).text().startsWith("Long running operation completed"), r.get(0).text());
        assertEquals(2, events.stream().filter(e -> e instanceof ToolEvent.Progress pr && pr.call().id().equals("a")).count(),
                "progress notifications came over the call's SSE stream: " + events);
        assertEquals("Echo: over http", r.get(1).text());
        assertEquals(ToolOutcome.UNKNOWN_TOOL, r.get(2).outcome(), "a tool left out by include cannot be called");
    }

    @Test
    void aBareUrlFallsBackToLegacySseAndAnExplicitStreamableTypeDoesNot() throws Exception {
        NpmServer sse = NpmServer.everything("sse");
        open.add(sse);
        DownstreamServers servers = connect(config("""
                {"mcpServers": {
                  "bare": {"url": "%1$s"},
                  "typed": {"type": "sse", "url": "%1$s", "prefix": true},
                  "strict": {"type": "streamable-http", "url": "%1$s"}
                }}""".formatted(sse.url("/sse"))));
        List<McpToolProvider> ps = servers.providers();
        assertEquals(ServerState.Status.READY, ps.get(0).state().status(), ps.get(0).state().detail());
        assertEquals("sse", ps.get(0).state().transport(), "no Streamable HTTP at /sse (HTTP 404 to the POST): legacy SSE");
        assertEquals("sse", ps.get(1).state().transport());
        assertEquals(ServerState.Status.FAILED, ps.get(2).state().status());
        assertTrue(ps.get(2).state().detail().contains("server strict"), ps.get(2).state().detail());
        ParallelToolExecutor ex = executor(servers);
        // two servers offer the same names, so each name carries its server
        assertTrue(ex.catalogue().find("bare__echo").isPresent() && ex.catalogue().find("echo").isEmpty());
        List<ToolEvent> events = Collections.synchronizedList(new ArrayList<>());
        List<ToolCallResult> r = ex.runAll(List.of(
                new ToolCall("a", "bare__get-sum", "{\"a\":20,\"b\":22}"),
                new ToolCall("b", "typed__echo", "{\"message\":\"legacy\"}"),
                new ToolCall("c", "bare__trigger-long-running-operation", "{\"duration\":1,\"steps\":2}")), events::add);
        assertEquals("The sum of 20 and 22 is 42.", r.get(0).text());
        assertEquals("Echo: legacy", r.get(1).text());
        assertTrue(r.get(2).text().startsWith("Long running operation completed"), r.get(2).text());
        assertEquals(2, events.stream().filter(e -> e instanceof ToolEvent.Progress pr && pr.call().id().equals("c")).count(),
                events.toString());
    }
}
