package dev.kairos.transports;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the Streamable HTTP endpoint answers: one JSON body for a plain call, an SSE stream when the
 * handler sends anything before its result, the GET stream for server-initiated messages, and clear
 * refusals of requests the transport cannot take.
 */
class StreamableHttpTest {
    static HttpHost host;
    static String mcp;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        HttpSettings d = HttpSettings.defaults();
        // Keep-alive pings every 200 ms, so the GET stream test sees a server-initiated request soon.
        HttpSettings settings = new HttpSettings("127.0.0.1", 0, List.of(), List.of(), List.of(), d.maxRequestBytes(),
                d.sessionIdleTimeout(), Duration.ofMillis(200), d.shutdownGrace());
        host = new HttpHost(settings, new TestFeatures().features(), new LiveServers(), "default", () -> "{}").start();
        mcp = host.baseUrl() + HttpHost.MCP_PATH;
    }

    @AfterAll
    static void stop() {
        host.close();
    }

    private static RawMcp session() throws Exception {
        RawMcp raw = new RawMcp(mcp);
        assertEquals(200, raw.initialize().status());
        return raw;
    }

    @Test
    void plainCallGetsOneJsonBody() throws Exception {
        RawMcp raw = session();
        RawMcp.RawResponse r = raw.call(2, "echo", "{\"message\":\"hi\"}");
        assertEquals(200, r.status());
        assertTrue(r.header("Content-Type").startsWith("application/json"), r.headers().toString());
        JsonNode m = RawMcp.JSON.readTree(r.body());
        assertEquals(2, m.get("id").asInt());
        assertEquals("hi", m.at("/result/content/0/text").asText());
        // string ids come back as strings
        JsonNode s = RawMcp.JSON.readTree(raw.post("{\"jsonrpc\":\"2.0\",\"id\":\"x-1\",\"method\":\"ping\"}").body());
        assertEquals("x-1", s.get("id").asText());
        assertTrue(s.get("id").isTextual());
    }

    @Test
    void paramsBeforeMethodStillMakeACall() throws Exception {
        RawMcp raw = session();
        JsonNode m = raw.post("{\"params\":{\"arguments\":{\"message\":\"order\"},\"name\":\"echo\"},\"id\":3,"
                + "\"method\":\"tools/call\",\"jsonrpc\":\"2.0\"}").message();
        assertEquals("order", m.at("/result/content/0/text").asText());
        // params of the wrong shape reach the SDK, which answers with a JSON-RPC error, not a crash
        RawMcp.RawResponse badReply = raw.post("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":[1]}}");
        JsonNode bad = badReply.message();
        assertEquals(4, bad.get("id").asInt());
        assertEquals(-32602, bad.at("/error/code").asInt(), bad.toString());
    }

    @Test
    void callThatLogsIsStreamedWithTheResultLast() throws Exception {
        RawMcp raw = session();
        RawMcp.RawResponse r = raw.call(5, "chatty", "{}");
        assertEquals(200, r.status());
        assertTrue(r.header("Content-Type").startsWith("text/event-stream"), r.headers().toString());
        List<JsonNode> events = r.body().lines().filter(l -> l.startsWith("data:"))
                .map(l -> {
                    try {
                        return RawMcp.JSON.readTree(l.substring(5));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }).toList();
        assertEquals(3, events.size(), r.body());
        assertEquals("notifications/message", events.get(0).get("method").asText());
        assertEquals("step 2", events.get(1).at("/params/data").asText());
        assertEquals("logged", events.get(2).at("/result/content/0/text").asText());
        assertEquals(5, events.get(2).get("id").asInt());
    }

    @Test
    void samplingRequestMidCallReachesTheClientAndItsAnswerTheTool() throws InterruptedException {
        var transport = HttpClientStreamableHttpTransport.builder(host.baseUrl()).endpoint(HttpHost.MCP_PATH).build();
        List<String> logged = new CopyOnWriteArrayList<>();
        try (McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(20))
                .capabilities(McpSchema.ClientCapabilities.builder().sampling().build())
                .loggingConsumer(n -> logged.add(String.valueOf(n.data())))
                .sampling(request -> McpSchema.CreateMessageResult.builder().role(McpSchema.Role.ASSISTANT)
                        .content(new McpSchema.TextContent("pong")).model("test").build())
                .build()) {
            client.initialize();
            var result = client.callTool(new McpSchema.CallToolRequest("chatty", Map.of()));
            assertEquals("model said pong", ((McpSchema.TextContent) result.content().getFirst()).text());
            // The wire order is checked in callThatLogsIsStreamedWithTheResultLast; the SDK client hands
            // notifications to its consumer on other threads, so here only their arrival is checked.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (logged.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(Set.of("step 1", "step 2"), Set.copyOf(logged));
        }
    }

    @Test
    void getStreamCarriesServerInitiatedRequests() throws Exception {
        RawMcp raw = session();
        HttpRequest get = HttpRequest.newBuilder(URI.create(mcp)).header("Accept", "text/event-stream")
                .header("Mcp-Session-Id", raw.sessionId).GET().build();
        HttpResponse<InputStream> stream = http.send(get, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        assertTrue(stream.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            // The keep-alive ping is a request from the server; read until it arrives (bounded).
            JsonNode ping = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        if (line.startsWith("data:")) {
                            JsonNode event = RawMcp.JSON.readTree(line.substring(5));
                            if ("ping".equals(event.path("method").asText())) {
                                return event;
                            }
                        }
                    }
                    return null;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).get(20, TimeUnit.SECONDS);
            assertNotNull(ping, "the stream ended before a ping");
            // the client's answer to the server's request is accepted
            RawMcp.RawResponse answer = raw.post("{\"jsonrpc\":\"2.0\",\"id\":" + ping.get("id") + ",\"result\":{}}");
            assertEquals(202, answer.status());
        }
        // DELETE ends the session
        HttpRequest delete = HttpRequest.newBuilder(URI.create(mcp)).header("Mcp-Session-Id", raw.sessionId).DELETE().build();
        assertEquals(200, http.send(delete, HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(404, http.send(get, HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void requestsTheTransportCannotTakeAreRefusedWithAJsonRpcError() throws Exception {
        RawMcp raw = session();
        String ping = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}";
        RawMcp.RawResponse noSse = raw.post(ping, "Accept", "application/json");
        assertEquals(406, noSse.status());
        assertTrue(noSse.message().at("/error/message").asText().contains("text/event-stream"));
        RawMcp.RawResponse notJson = raw.post(ping, "Content-Type", "text/plain");
        assertEquals(415, notJson.status());
        assertEquals(-32600, notJson.message().at("/error/code").asInt());

        RawMcp anonymous = new RawMcp(mcp);
        RawMcp.RawResponse noSession = anonymous.post(ping);
        assertEquals(400, noSession.status());
        assertTrue(noSession.message().at("/error/message").asText().contains("Mcp-Session-Id"));

        HttpRequest put = HttpRequest.newBuilder(URI.create(mcp)).header("Mcp-Session-Id", raw.sessionId)
                .PUT(HttpRequest.BodyPublishers.ofString(ping)).build();
        HttpResponse<String> r = http.send(put, HttpResponse.BodyHandlers.ofString());
        assertEquals(405, r.statusCode());
        assertEquals("GET, POST, DELETE, OPTIONS", r.headers().firstValue("Allow").orElse(""));
        HttpRequest options = HttpRequest.newBuilder(URI.create(mcp)).method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<String> o = http.send(options, HttpResponse.BodyHandlers.ofString());
        assertEquals(204, o.statusCode());
        assertEquals("GET, POST, DELETE, OPTIONS", o.headers().firstValue("Allow").orElse(""));
    }

    @Test
    void chunkedBodyOverTheLimitIs413() throws Exception {
        RawMcp raw = session();
        byte[] big = ("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\",\"params\":{\"pad\":\""
                + "a".repeat(HttpSettings.defaults().maxRequestBytes() + 10) + "\"}}").getBytes(StandardCharsets.UTF_8);
        // an InputStream body has no declared length, so the JDK client sends it chunked
        HttpRequest post = HttpRequest.newBuilder(URI.create(mcp)).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream").header("Mcp-Session-Id", raw.sessionId)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build();
        HttpResponse<String> r = http.send(post, HttpResponse.BodyHandlers.ofString());
        assertEquals(413, r.statusCode(), r.body());
        assertEquals("ok", raw.call(10, "echo", "{\"message\":\"ok\"}").message().at("/result/content/0/text").asText());
    }

    @Test
    void notificationsAndStrayResponsesAreAccepted() throws Exception {
        RawMcp raw = session();
        assertEquals(202, raw.post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":99}}").status());
        assertEquals(202, raw.post("{\"jsonrpc\":\"2.0\",\"id\":\"nobody-asked\",\"result\":{}}").status());
        assertEquals("still", raw.call(6, "echo", "{\"message\":\"still\"}").message().at("/result/content/0/text").asText());
    }
}
