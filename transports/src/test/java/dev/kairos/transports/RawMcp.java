package dev.kairos.transports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A raw HTTP client for Streamable HTTP, to send exactly the bytes a test needs. */
final class RawMcp {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String url;
    String sessionId;

    RawMcp(String url) {
        this.url = url;
    }

    record RawResponse(int status, Map<String, java.util.List<String>> headers, String body) {
        /** The JSON-RPC message in a plain JSON or SSE body. */
        JsonNode message() throws IOException {
            String text = body;
            if (text.contains("data:")) {
                text = text.lines().filter(l -> l.startsWith("data:")).map(l -> l.substring(5).trim())
                        .reduce((a, b) -> b).orElse("");
            }
            return JSON.readTree(text);
        }

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().getFirst()).findFirst().orElse(null);
        }
    }

    RawResponse post(String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (sessionId != null) {
            b.header("Mcp-Session-Id", sessionId);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.setHeader(headers[i], headers[i + 1]);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new RawResponse(r.statusCode(), r.headers().map(), r.body());
    }

    RawResponse initialize(String... headers) throws IOException, InterruptedException {
        return initializeAs("2025-06-18", headers);
    }

    /** Starts a session that negotiates this protocol revision. */
    RawResponse initializeAs(String protocolVersion, String... headers) throws IOException, InterruptedException {
        RawResponse r = post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"" + protocolVersion
                + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}", headers);
        if (r.status() == 200) {
            sessionId = r.header("Mcp-Session-Id");
            post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", headers);
        }
        return r;
    }

    /** Ends the session (DELETE), if one was started. */
    void delete(String... headers) throws IOException, InterruptedException {
        if (sessionId != null) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Mcp-Session-Id", sessionId).DELETE();
            for (int i = 0; i < headers.length; i += 2) {
                b.setHeader(headers[i], headers[i + 1]);
            }
            http.send(b.build(), HttpResponse.BodyHandlers.discarding());
            sessionId = null;
        }
    }

    RawResponse call(int id, String tool, String argumentsJson, String... headers) throws IOException, InterruptedException {
        return post("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                + "\",\"arguments\":" + argumentsJson + "}}", headers);
    }
}
