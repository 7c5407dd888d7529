import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.modern.client.transport.HttpClientMcpTransport;
import io.modelcontextprotocol.modern.client.transport.McpHttpRequestCustomizer;
import io.modelcontextprotocol.modern.client.transport.StdioMcpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An MCP client program on the MCP Java SDK 2.2.0, run by {@code JavaSdk22InteropTest} in its own JVM with
 * its own classpath (SDK 2.2.0 and the reactor-core pre-release it needs), so neither reaches a Kairos
 * classpath. Kairos itself stays on the SDK version in the root pom.
 *
 * <pre>
 * java -cp SDK_2.2.0_JARS JavaSdk22Client.java modern|classic [--add TEXT] [--find QUERY] --url BASE_URL
 * java -cp SDK_2.2.0_JARS JavaSdk22Client.java modern|classic [--add TEXT] [--find QUERY] --stdio COMMAND...
 * </pre>
 *
 * <p>{@code modern} is the SDK's stateless 2026-07-28 client ({@code io.modelcontextprotocol.modern}),
 * {@code classic} its session client (2025-11-25). Each run lists the tools, optionally adds an episode
 * to the memory and searches it, and calls a fixture tool that asks the user two questions (multi
 * round-trip input on 2026-07-28, elicitation requests on 2025-11-25). It prints one JSON object on
 * stdout: what the server answered and the protocol version the requests went out with, read off the
 * wire (HTTP headers and {@code _meta}, or the bytes written to the server's stdin).
 */
public final class JavaSdk22Client {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL_BOUND = Duration.ofSeconds(120);
    static final String INPUT_TOOL = "test_input_required_result_multi_round";

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: modern|classic [--add TEXT] [--find QUERY] (--url URL | --stdio COMMAND...)");
        }
        String client = args[0];
        String add = null;
        String find = null;
        String url = null;
        List<String> command = null;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--add" -> add = args[++i];
                case "--find" -> find = args[++i];
                case "--url" -> url = args[++i];
                case "--stdio" -> {
                    command = List.of(args).subList(i + 1, args.length);
                    i = args.length;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        ObjectNode report = JSON.createObjectNode().put("client", client);
        switch (client) {
            case "modern" -> modern(report, url, command, add, find);
            case "classic" -> classic(report, url, command, add, find);
            default -> throw new IllegalArgumentException("client must be modern or classic, was " + client);
        }
        System.out.println(JSON.writeValueAsString(report));
        System.out.flush();
        // the SDK's non-daemon schedulers must not keep this JVM alive once the report is out
        System.exit(0);
    }

    /** The stateless client: no initialize, every request carries its version. */
    private static void modern(ObjectNode report, String url, List<String> command, String add, String find) throws Exception {
        ArrayNode wire = report.putArray("wire"); // one entry per request: method, name, header and _meta versions
        Process server = null;
        ByteArrayOutputStream stdin = new ByteArrayOutputStream();
        io.modelcontextprotocol.modern.client.transport.McpClientTransport transport;
        if (url != null) {
            transport = HttpClientMcpTransport.builder(url + "/mcp")
                    .connectTimeout(Duration.ofSeconds(30))
                    .requestCustomizer(McpHttpRequestCustomizer.fromSync((request, headers, context) -> {
                        synchronized (wire) {
                            ObjectNode seen = wire.addObject()
                                    .put("method", request.mcpMethod())
                                    .put("name", request.mcpName())
                                    .put("header", first(headers.get("MCP-Protocol-Version")));
                            seen.put("meta", metaVersion(request.body()));
                        }
                    }))
                    .build();
        } else {
            server = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            OutputStream recorded = new Tee(server.getOutputStream(), stdin);
            transport = StdioMcpClientTransport.builder(server.getInputStream(), recorded)
                    .shutdownTimeout(Duration.ofSeconds(10)).start();
        }
        List<String> asked = new ArrayList<>();
        try {
            var client = io.modelcontextprotocol.modern.client.McpClient.sync(transport)
                    .clientInfo(io.modelcontextprotocol.modern.McpSchema.Implementation.builder("kairos-interop-modern", "1").build())
                    // a round includes a stdio server's JVM start, slow on a loaded machine (the default is 20 s)
                    .roundTimeout(CALL_BOUND)
                    .callTimeout(CALL_BOUND)
                    .formElicitation(request -> {
                        asked.add(request.message());
                        return io.modelcontextprotocol.modern.McpSchema.ElicitResult.accept(answer(request.message()));
                    })
                    .build();
            var discovered = client.discover();
            report.set("supportedVersions", JSON.valueToTree(discovered.supportedVersions()));
            ArrayNode tools = report.putArray("tools");
            client.tools().list().tools().forEach(t -> tools.add(t.name()));
            if (add != null) {
                var added = client.tool("memory_add_episode").arguments(Map.of("content", add)).call();
                report.set("added", added(JSON.valueToTree(added.structuredContent()), Boolean.TRUE.equals(added.isError()), added.toString()));
            }
            if (find != null) {
                var found = client.tool("memory_search_episodes").arguments(Map.of("query", find)).call();
                report.set("found", JSON.valueToTree(found.structuredContent()).path("episodes"));
            }
            var input = client.tool(INPUT_TOOL).call();
            report.put("inputAnswer", input.content().getFirst() instanceof io.modelcontextprotocol.modern.McpSchema.TextContent t ? t.text() : input.toString());
        } finally {
            if (transport instanceof AutoCloseable closeable) {
                closeable.close();
            }
            if (server != null) {
                stop(server);
            }
        }
        report.set("asked", JSON.valueToTree(asked));
        if (server != null) {
            // what went to the server's stdin: one JSON-RPC message a line
            for (String line : stdin.toString(StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    JsonNode message = JSON.readTree(line);
                    wire.addObject().put("method", message.path("method").asText(null))
                            .put("name", message.path("params").path("name").asText(null)).put("meta", metaVersion(line));
                }
            }
        }
    }

    /** The session client: initialize, then the negotiated version on the session. */
    private static void classic(ObjectNode report, String url, List<String> command, String add, String find) throws Exception {
        io.modelcontextprotocol.spec.McpClientTransport transport = url != null
                ? HttpClientStreamableHttpTransport.builder(url).endpoint("/mcp").connectTimeout(Duration.ofSeconds(30)).build()
                : new StdioClientTransport(ServerParameters.builder(command.getFirst()).args(command.subList(1, command.size())).build(),
                McpJsonDefaults.getMapper());
        List<String> asked = new ArrayList<>();
        try (var client = io.modelcontextprotocol.client.McpClient.sync(transport)
                .clientInfo(McpSchema.Implementation.builder("kairos-interop-classic", "1").build())
                .requestTimeout(CALL_BOUND)
                .initializationTimeout(CALL_BOUND)
                .capabilities(McpSchema.ClientCapabilities.builder().elicitation().build())
                .elicitation(request -> {
                    asked.add(request.message());
                    return new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.ACCEPT, answer(request.message()));
                })
                .build()) {
            McpSchema.InitializeResult init = client.initialize();
            report.put("negotiatedVersion", init.protocolVersion());
            ArrayNode tools = report.putArray("tools");
            client.listTools().tools().forEach(t -> tools.add(t.name()));
            if (add != null) {
                var added = client.callTool(call("memory_add_episode", Map.of("content", add)));
                report.set("added", added(JSON.valueToTree(added.structuredContent()), Boolean.TRUE.equals(added.isError()), added.toString()));
            }
            if (find != null) {
                var found = client.callTool(call("memory_search_episodes", Map.of("query", find)));
                report.set("found", JSON.valueToTree(found.structuredContent()).path("episodes"));
            }
            var input = client.callTool(call(INPUT_TOOL, Map.of()));
            report.put("inputAnswer", input.content().getFirst() instanceof McpSchema.TextContent t ? t.text() : input.toString());
        }
        report.set("asked", JSON.valueToTree(asked));
    }

    private static McpSchema.CallToolRequest call(String tool, Map<String, Object> arguments) {
        return McpSchema.CallToolRequest.builder(tool).arguments(arguments).build();
    }

    /** The fixture asks for a name, then a colour. */
    private static Map<String, Object> answer(String question) {
        return question.contains("name") ? Map.of("name", "Ada") : Map.of("color", "teal");
    }

    private static ObjectNode added(JsonNode structured, boolean isError, String whole) {
        if (isError || !structured.path("episode").path("uuid").isTextual()) {
            throw new IllegalStateException("memory_add_episode did not store an episode: " + whole);
        }
        return JSON.createObjectNode().put("uuid", structured.path("episode").path("uuid").asText());
    }

    private static String metaVersion(String body) {
        if (body == null) {
            return null;
        }
        try {
            return JSON.readTree(body).path("params").path("_meta").path("io.modelcontextprotocol/protocolVersion").asText(null);
        } catch (IOException e) {
            return "(not JSON: " + body + ")";
        }
    }

    private static String first(List<String> values) {
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    private static void stop(Process server) throws InterruptedException {
        server.destroy();
        if (!server.waitFor(20, TimeUnit.SECONDS)) {
            server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Writes to the server and keeps a copy of every byte, to read what the client sent. */
    private static final class Tee extends FilterOutputStream {
        private final ByteArrayOutputStream copy;

        Tee(OutputStream out, ByteArrayOutputStream copy) {
            super(out);
            this.copy = copy;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            synchronized (copy) {
                copy.write(b, off, len);
            }
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            synchronized (copy) {
                copy.write(b);
            }
        }
    }
}
