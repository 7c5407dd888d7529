package dev.kairos.transports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientSseClientTransport;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input on the HTTP endpoint gets the right refusal, and the server keeps serving. */
class HttpHostTest {
    static HttpHost host;
    static String mcp;

    @BeforeAll
    static void start() throws Exception {
        host = new HttpHost(HttpSettings.defaults().withPort(0), new TestFeatures().features(), new LiveServers(), "default", () -> "{\"status\":\"ok\"}");
        host.start();
        mcp = host.baseUrl() + HttpHost.MCP_PATH;
    }

    @AfterAll
    static void stop() {
        host.close();
    }

    private RawMcp session() throws Exception {
        RawMcp raw = new RawMcp(mcp);
        assertEquals(200, raw.initialize().status());
        assertNotNull(raw.sessionId);
        return raw;
    }

    @Test
    void invalidJsonIsAParseError() throws Exception {
        RawMcp raw = session();
        RawMcp.RawResponse r = raw.post("{\"jsonrpc\":");
        assertEquals(400, r.status());
        assertEquals(-32700, r.message().at("/error/code").asInt());
        assertTrue(r.message().at("/error/message").asText().contains("not valid JSON"));
        // broken deep inside a valid-looking envelope, or trailing garbage: still a parse error
        for (String body : List.of("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"a\":}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} {")) {
            RawMcp.RawResponse bad = raw.post(body);
            assertEquals(400, bad.status(), body);
            assertEquals(-32700, bad.message().at("/error/code").asInt(), body);
        }
    }

    @Test
    void notJsonRpcIsAnInvalidRequest() throws Exception {
        RawMcp raw = session();
        for (String body : List.of("{\"foo\":1}", "[]", "42", "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", "{\"jsonrpc\":\"2.0\",\"method\":7}")) {
            RawMcp.RawResponse r = raw.post(body);
            assertEquals(400, r.status(), body);
            assertEquals(-32600, r.message().at("/error/code").asInt(), body);
        }
    }

    @Test
    void legacySseMessagesGetTheSameParseAndShapeErrors() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (var c : List.of(Map.entry("{\"jsonrpc\":", -32700), Map.entry("{\"foo\":1}", -32600), Map.entry("[{}]", -32600))) {
            HttpResponse<String> reply = http.send(HttpRequest.newBuilder(URI.create(host.baseUrl() + HttpHost.MESSAGE_PATH + "?sessionId=x"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(c.getKey())).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, reply.statusCode(), c.getKey());
            assertEquals((int) c.getValue(), new ObjectMapper().readTree(reply.body()).at("/error/code").asInt(), reply.body());
        }
    }

    @Test
    void unknownMethodIsMethodNotFound() throws Exception {
        RawMcp raw = session();
        JsonNode m = raw.post("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"nope/nope\"}").message();
        assertEquals(-32601, m.at("/error/code").asInt());
        assertEquals(5, m.get("id").asInt());
    }

    @Test
    void badParamsAreInvalidParams() throws Exception {
        RawMcp raw = session();
        JsonNode m = raw.post("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":\"no_such_tool\",\"arguments\":{}}}").message();
        assertEquals(-32602, m.at("/error/code").asInt());
    }

    @Test
    void argumentsFailingTheSchemaComeBackAsAToolErrorNamingTheField() throws Exception {
        RawMcp raw = session();
        JsonNode m = raw.call(7, "echo", "{\"message\":5}").message();
        assertTrue(m.at("/result/isError").asBoolean(), m.toString());
        assertTrue(m.at("/result/content/0/text").asText().contains("message"), m.toString());
        JsonNode missing = raw.call(8, "echo", "{}").message();
        assertTrue(missing.at("/result/isError").asBoolean());
        assertTrue(missing.at("/result/content/0/text").asText().contains("message"), missing.toString());
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        RawMcp raw = session();
        String big = "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\""
                + "a".repeat(HttpSettings.defaults().maxRequestBytes() + 10) + "\"}}}";
        assertEquals(413, raw.post(big).status());
    }

    @Test
    void unknownSessionIs404WithAJsonRpcBody() throws Exception {
        RawMcp raw = new RawMcp(mcp);
        raw.sessionId = "no-such-session";
        RawMcp.RawResponse r = raw.post("{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/list\"}");
        assertEquals(404, r.status());
        assertEquals("2.0", r.message().get("jsonrpc").asText());
        assertFalse(r.body().contains("stackTrace"), "no Java internals in error bodies: " + r.body());
    }

    @Test
    void deletedSessionIsGone() throws Exception {
        RawMcp raw = session();
        var http = java.net.http.HttpClient.newHttpClient();
        var del = java.net.http.HttpRequest.newBuilder(java.net.URI.create(mcp)).header("Mcp-Session-Id", raw.sessionId).DELETE().build();
        assertEquals(200, http.send(del, java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(404, raw.post("{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tools/list\"}").status());
    }

    @Test
    void foreignHostOrOriginIs403AndLocalOnesPass() throws Exception {
        RawMcp raw = new RawMcp(mcp);
        assertTrue(rawStatusLine("evil.example").contains(" 403 "));
        assertTrue(rawStatusLine("localhost:" + host.port()).contains(" 200 "));
        assertEquals(403, raw.initialize("Origin", "http://evil.example").status());
        assertEquals(200, new RawMcp(mcp).initialize("Origin", "http://localhost:5173").status());
    }

    /** The JDK client will not send a foreign Host header, so this one speaks HTTP/1.1 by hand. */
    private static String rawStatusLine(String hostHeader) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
                + "\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}";
        try (var socket = new java.net.Socket("127.0.0.1", host.port())) {
            socket.setSoTimeout(10_000);
            String request = "POST /mcp HTTP/1.1\r\nHost: " + hostHeader + "\r\nContent-Type: application/json\r\n"
                    + "Accept: application/json, text/event-stream\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n" + body;
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream())).readLine();
        }
    }

    @Test
    void healthAnswers() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(host.baseUrl() + HttpHost.HEALTH_PATH)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("ok", RawMcp.JSON.readTree(r.body()).get("status").asText());
    }

    @Test
    void serverKeepsServingAfterBadInput() throws Exception {
        RawMcp raw = session();
        raw.post("{broken");
        raw.post("{\"foo\":1}");
        JsonNode m = raw.call(12, "echo", "{\"message\":\"still here\"}").message();
        assertEquals("still here", m.at("/result/content/0/text").asText());
    }

    @Test
    void sdkClientOverStreamableHttpAndLegacySse() {
        var streamable = HttpClientStreamableHttpTransport.builder(host.baseUrl()).endpoint(HttpHost.MCP_PATH).build();
        var sse = HttpClientSseClientTransport.builder(host.baseUrl()).sseEndpoint(HttpHost.SSE_PATH).build();
        for (var transport : List.of(streamable, sse)) {
            try (McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(20)).build()) {
                client.initialize();
                assertEquals(Set.of("echo", "whoami", "slow", "chatty", "stepwise", "polling", "greet", "route", "held"),
                        Set.copyOf(client.listTools().tools().stream().map(McpSchema.Tool::name).toList()));
                var result = client.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "hello")));
                assertEquals("hello", ((McpSchema.TextContent) result.content().getFirst()).text());
                assertEquals("local default true true",
                        ((McpSchema.TextContent) client.callTool(new McpSchema.CallToolRequest("whoami", Map.of())).content().getFirst()).text());
            }
        }
    }

    @Test
    void nonLoopbackBindWithoutTokensRefusesToStart() {
        var settings = HttpSettings.defaults().withHost("0.0.0.0").withPort(0);
        var e = assertThrows(IllegalStateException.class,
                () -> new HttpHost(settings, new TestFeatures().features(), new LiveServers(), "default", () -> "{}"));
        assertTrue(e.getMessage().contains("requires at least one bearer token"), e.getMessage());
    }
}
