package dev.kairos.server.memory;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.server.testing.KairosProcess;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageRequest;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Without an engine, a real {@code kairos} process extracts episodes with the model of the MCP client it runs under:
 * the Java SDK client answers {@code sampling/createMessage} with a scripted extraction, over stdio and over
 * Streamable HTTP (where the request reaches the client on its GET stream, outside any call of that client).
 */
class SamplingExtractionTest {
    private static final String EPISODE = "Ines joined Acme Anvils as a welder in March 2024.";
    private static final String EXTRACTION = """
            {"entities": [{"name": "Ines", "type": "Person", "summary": "A welder at Acme Anvils."},
                          {"name": "Acme Anvils", "type": "Organization"}],
             "facts": [{"source": "Ines", "relation": "WORKS_AT", "target": "Acme Anvils",
                        "fact": "Ines works at Acme Anvils as a welder", "valid_at": "2024-03"}]}""";

    @TempDir
    Path dir;
    private final List<CreateMessageRequest> asked = new CopyOnWriteArrayList<>();
    private McpSyncClient client;
    private KairosProcess served;

    @AfterEach
    void close() {
        if (client != null) {
            client.closeGracefully();
        }
        if (served != null) {
            served.close();
        }
    }

    private Path config() throws Exception {
        Path config = dir.resolve("kairos.yaml");
        // ready_timeout: a loaded machine may take minutes to start embedded Neo4j; calls wait instead of failing.
        new ObjectMapper().writeValue(config.toFile(), Map.of("memory", Map.of("toolset", "graphiti", "ready_timeout", "5m")));
        return config;
    }

    private Map<String, String> env() throws Exception {
        return Map.of("KAIROS_DATA_DIR", Files.createDirectories(dir.resolve("data")).toString());
    }

    private McpSyncClient connect(McpClientTransport transport) {
        McpSyncClient c = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(120)).initializationTimeout(Duration.ofSeconds(120))
                .capabilities(McpSchema.ClientCapabilities.builder().sampling().build())
                .sampling(request -> {
                    asked.add(request);
                    String answer = request.systemPrompt().contains("prompt extract") ? EXTRACTION : "{\"contradictions\": []}";
                    return CreateMessageResult.builder(McpSchema.Role.ASSISTANT, answer, "client-model").build();
                })
                .build();
        c.initialize();
        return c;
    }

    @Test
    void overStdioAnEpisodeAddedWithAddMemoryGetsItsEntitiesAndFacts() throws Exception {
        List<String> command = KairosProcess.command("mcp", "--config", config().toString());
        ServerParameters params = ServerParameters.builder(command.get(0)).args(command.subList(1, command.size())).env(env()).build();
        StdioClientTransport transport = new StdioClientTransport(params, McpJsonDefaults.getMapper());
        transport.setStdErrorHandler(line -> { });
        client = connect(transport);
        addAndExpectFacts();
    }

    @Test
    void overStreamableHttpTheClientsModelIsAskedOnItsStream() throws Exception {
        served = KairosProcess.serve(env(), Duration.ofMinutes(3), "--config", config().toString());
        client = connect(HttpClientStreamableHttpTransport.builder(served.baseUrl()).endpoint("/mcp").build());
        addAndExpectFacts();
    }

    private void addAndExpectFacts() {
        // get_status does not wait for the database: poll it (a loaded machine may take minutes to start Neo4j).
        await("the memory ready", () -> "ok".equals(structured(call("get_status", Map.of())).get("status")) ? true : null);
        CallToolResult added = call("add_memory", Map.of("name", "ines", "episode_body", EPISODE, "group_id", "sampled",
                "reference_time", "2024-04-01T00:00:00Z"));
        assertTrue(text(added).contains("queued"), text(added));

        List<Map<String, Object>> facts = await("the sampled extraction's facts", () -> {
            List<Map<String, Object>> found = list(result(call("search_memory_facts",
                    Map.of("query", "Ines works at Acme Anvils", "group_ids", List.of("sampled")))).get("facts"));
            return found == null || found.isEmpty() ? null : found;
        });
        assertEquals("Ines works at Acme Anvils as a welder", facts.getFirst().get("fact"));
        assertEquals("2024-03-01T00:00:00Z", facts.getFirst().get("valid_at"));
        List<Map<String, Object>> nodes = list(result(call("search_nodes", Map.of("query", "Ines Acme Anvils",
                "group_ids", List.of("sampled")))).get("nodes"));
        assertTrue(nodes.stream().map(n -> n.get("name")).toList().containsAll(List.of("Ines", "Acme Anvils")), nodes.toString());

        // What the client's model was asked: the extraction prompt, the episode with its reference time, a bound.
        CreateMessageRequest first = asked.getFirst();
        assertTrue(first.systemPrompt().contains("prompt extract"), first.systemPrompt());
        String user = ((McpSchema.TextContent) first.messages().getFirst().content()).text();
        assertTrue(user.contains(EPISODE) && user.contains("2024-04-01T00:00:00Z"), user);
        assertEquals(1, asked.size(), "a new group needs no contradiction check: one model call");
        String status = text(call("get_status", Map.of()));
        assertTrue(status.contains("sampling"), status);
    }

    private CallToolResult call(String tool, Map<String, Object> args) {
        CallToolResult r = client.callTool(CallToolRequest.builder().name(tool).arguments(args).build());
        assertTrue(!Boolean.TRUE.equals(r.isError()), tool + ": " + text(r));
        return r;
    }

    private static <T> T await(String what, Supplier<T> probe) {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            T v = probe.get();
            if (v != null) {
                return v;
            }
            try {
                Thread.sleep(250); // polling with a deadline, not synchronisation
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        return fail("timed out waiting for " + what);
    }

    private static String text(CallToolResult r) {
        return r.content().stream().filter(c -> c instanceof McpSchema.TextContent)
                .map(c -> ((McpSchema.TextContent) c).text()).findFirst().orElse("");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> structured(CallToolResult r) {
        return (Map<String, Object>) r.structuredContent();
    }

    /** Graphiti's tools answer {@code {"result": …}} (get_status excepted). */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> result(CallToolResult r) {
        return (Map<String, Object>) structured(r).get("result");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        return (List<Map<String, Object>>) o;
    }
}
