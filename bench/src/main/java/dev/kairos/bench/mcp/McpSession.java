package dev.kairos.bench.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One virtual MCP client over Streamable HTTP: its own keep-alive socket and its own session
 * ({@code initialize} + {@code notifications/initialized}), then {@code tools/call echo} one at a time.
 */
final class McpSession implements EchoClient {
    static final String PROTOCOL_VERSION = "2025-06-18";

    private final ObjectMapper json;
    private final URI endpoint;
    private final String path;
    private final HttpConnection http;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private long nextId = 1;

    private McpSession(ObjectMapper json, URI endpoint, HttpConnection http) {
        this.json = json;
        this.endpoint = endpoint;
        this.http = http;
        this.path = endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty() ? "/" : endpoint.getRawPath();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", "application/json, text/event-stream");
    }

    /** Connects and runs the initialize handshake; every read is bounded by {@code timeout}. */
    static McpSession open(ObjectMapper json, URI endpoint, Duration timeout) throws IOException {
        if (!"http".equals(endpoint.getScheme())) {
            throw new IllegalArgumentException("only http:// endpoints are supported: " + endpoint);
        }
        var http = new HttpConnection(endpoint.getHost(), endpoint.getPort() < 0 ? 80 : endpoint.getPort(), timeout);
        var session = new McpSession(json, endpoint, http);
        try {
            session.initialize();
        } catch (IOException | RuntimeException e) {
            http.close();
            throw e;
        }
        return session;
    }

    private void initialize() throws IOException {
        ObjectNode params = json.createObjectNode().put("protocolVersion", PROTOCOL_VERSION);
        params.putObject("capabilities");
        params.putObject("clientInfo").put("name", "kairos-bench").put("version", "1");
        long id = nextId++;
        var response = post(request(id, "initialize", params));
        requireStatus(response, 200, "initialize");
        String sessionId = response.header("mcp-session-id");
        if (sessionId != null) {
            headers.put("Mcp-Session-Id", sessionId);
        }
        JsonNode result = resultOf(json, response, id, "initialize");
        headers.put("MCP-Protocol-Version", result.path("protocolVersion").asText(PROTOCOL_VERSION));

        var ack = post(json.createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/initialized"));
        if (ack.status() != 202 && ack.status() != 200 && ack.status() != 204) {
            throw new IOException("notifications/initialized answered HTTP " + ack.status() + ": " + ack.bodyText());
        }
    }

    /** Calls the echo tool and checks that the text comes back unchanged. */
    @Override
    public void echo(String message) throws IOException {
        long id = nextId++;
        ObjectNode params = json.createObjectNode().put("name", "echo");
        params.putObject("arguments").put("message", message);
        var response = post(request(id, "tools/call", params));
        requireStatus(response, 200, "tools/call");
        requireEcho(resultOf(json, response, id, "tools/call"), message);
    }

    /** Checks an echo result: no error, the message back as its text. */
    static void requireEcho(JsonNode result, String message) throws IOException {
        if (result.path("isError").asBoolean(false)) {
            throw new IOException("echo returned isError: " + result);
        }
        String text = result.path("content").path(0).path("text").asText(null);
        if (!message.equals(text)) {
            throw new IOException("echo returned " + text + " for " + message);
        }
    }

    private ObjectNode request(long id, String method, JsonNode params) {
        ObjectNode r = json.createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
        r.set("params", params);
        return r;
    }

    private HttpConnection.Response post(JsonNode message) throws IOException {
        if (!http.isOpen()) {
            throw new IOException("connection to " + endpoint + " was closed by the server");
        }
        return http.exchange("POST", path, headers, json.writeValueAsBytes(message));
    }

    static void requireStatus(HttpConnection.Response r, int expected, String what) throws IOException {
        if (r.status() != expected) {
            throw new IOException(what + " answered HTTP " + r.status() + ": " + r.bodyText());
        }
    }

    /** The result of response {@code id}, from a JSON body or from the SSE event that carries it. */
    static JsonNode resultOf(ObjectMapper json, HttpConnection.Response r, long id, String what) throws IOException {
        String type = r.header("content-type");
        JsonNode reply = null;
        if (type != null && type.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
            for (String data : SseEvents.dataOf(r.bodyText())) {
                JsonNode event = json.readTree(data);
                if (event.path("id").asLong(-1) == id) {
                    reply = event;
                    break;
                }
            }
        } else {
            reply = json.readTree(r.body());
        }
        if (reply == null || reply.path("id").asLong(-1) != id) {
            throw new IOException(what + ": no reply with id " + id + " in " + r.bodyText());
        }
        if (reply.has("error")) {
            throw new IOException(what + " failed: " + reply.get("error"));
        }
        JsonNode result = reply.get("result");
        if (result == null) {
            throw new IOException(what + ": reply without result: " + reply);
        }
        return result;
    }

    /** Ends the session (best effort, a DELETE as the spec describes) and closes the socket. */
    @Override
    public void close() {
        try {
            if (http.isOpen() && headers.containsKey("Mcp-Session-Id")) {
                var h = new LinkedHashMap<>(headers);
                h.remove("Content-Type");
                http.exchange("DELETE", path, h, null);
            }
        } catch (IOException ignored) {
            // the server may already have dropped the session; nothing to clean up on our side
        } finally {
            http.close();
        }
    }
}
