package dev.kairos.bench.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One virtual MCP client of the stateless 2026-07-28 revision over Streamable HTTP: no session, no
 * {@code initialize}; every {@code tools/call} carries the version and the client's capabilities in
 * {@code _meta} and the {@code MCP-Protocol-Version}, {@code Mcp-Method} and {@code Mcp-Name} headers.
 * It opens with one {@code server/discover}, as a client of this revision does.
 */
final class StatelessClient implements EchoClient {
    static final String PROTOCOL_VERSION = "2026-07-28";
    private static final Map<String, String> DISCOVER_HEADERS = headers("server/discover", null);
    private static final Map<String, String> ECHO_HEADERS = headers("tools/call", "echo");

    private final ObjectMapper json;
    private final URI endpoint;
    private final String path;
    private final HttpConnection http;
    private long nextId = 1;

    private StatelessClient(ObjectMapper json, URI endpoint, HttpConnection http) {
        this.json = json;
        this.endpoint = endpoint;
        this.http = http;
        this.path = endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty() ? "/" : endpoint.getRawPath();
    }

    /** Connects and checks with {@code server/discover} that the server speaks 2026-07-28; reads bounded by {@code timeout}. */
    static StatelessClient open(ObjectMapper json, URI endpoint, Duration timeout) throws IOException {
        if (!"http".equals(endpoint.getScheme())) {
            throw new IllegalArgumentException("only http:// endpoints are supported: " + endpoint);
        }
        var http = new HttpConnection(endpoint.getHost(), endpoint.getPort() < 0 ? 80 : endpoint.getPort(), timeout);
        var client = new StatelessClient(json, endpoint, http);
        try {
            client.discover();
        } catch (IOException | RuntimeException e) {
            http.close();
            throw e;
        }
        return client;
    }

    private void discover() throws IOException {
        long id = nextId++;
        var response = post("server/discover", DISCOVER_HEADERS, json.createObjectNode(), id);
        McpSession.requireStatus(response, 200, "server/discover");
        JsonNode result = McpSession.resultOf(json, response, id, "server/discover");
        boolean supported = false;
        for (JsonNode v : result.path("supportedVersions")) {
            supported |= PROTOCOL_VERSION.equals(v.asText());
        }
        if (!supported) {
            throw new IOException(endpoint + " does not list " + PROTOCOL_VERSION + " in server/discover: " + result);
        }
    }

    @Override
    public void echo(String message) throws IOException {
        long id = nextId++;
        ObjectNode params = json.createObjectNode().put("name", "echo");
        params.putObject("arguments").put("message", message);
        var response = post("tools/call", ECHO_HEADERS, params, id);
        McpSession.requireStatus(response, 200, "tools/call");
        JsonNode result = McpSession.resultOf(json, response, id, "tools/call");
        if (!"complete".equals(result.path("resultType").asText("complete"))) {
            throw new IOException("echo did not complete: " + result);
        }
        McpSession.requireEcho(result, message);
    }

    private HttpConnection.Response post(String method, Map<String, String> headers, ObjectNode params, long id) throws IOException {
        if (!http.isOpen()) {
            throw new IOException("connection to " + endpoint + " was closed by the server");
        }
        ObjectNode meta = params.putObject("_meta").put("io.modelcontextprotocol/protocolVersion", PROTOCOL_VERSION);
        meta.putObject("io.modelcontextprotocol/clientCapabilities");
        ObjectNode request = json.createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
        request.set("params", params);
        return http.exchange("POST", path, headers, json.writeValueAsBytes(request));
    }

    private static Map<String, String> headers(String method, String name) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", "application/json, text/event-stream");
        headers.put("MCP-Protocol-Version", PROTOCOL_VERSION);
        headers.put("Mcp-Method", method);
        if (name != null) {
            headers.put("Mcp-Name", name);
        }
        return java.util.Collections.unmodifiableMap(headers);
    }

    @Override
    public void close() {
        http.close(); // nothing to end on the server: there is no session
    }
}
