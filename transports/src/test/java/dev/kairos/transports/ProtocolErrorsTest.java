package dev.kairos.transports;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sweep of protocol faults over HTTP: each gets the JSON-RPC code and HTTP status the spec names,
 * with our own message and never Java exception text.
 */
class ProtocolErrorsTest {
    static HttpHost host;
    static String mcp;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        host = new HttpHost(HttpSettings.defaults().withPort(0).withMaxSessionsPerToken(3), new TestFeatures().features(),
                new LiveServers(), "default", () -> "{}").start();
        mcp = host.baseUrl() + HttpHost.MCP_PATH;
    }

    @AfterAll
    static void stop() {
        host.close();
    }

    /** The error code, after checking that nothing in the body reads like a Java exception. */
    private static int code(String body) throws Exception {
        assertFalse(body.contains("java.") || body.contains("Exception"), body);
        JsonNode m = RawMcp.JSON.readTree(body.contains("data:") ? body.substring(body.lastIndexOf("data:") + 5) : body);
        assertEquals("2.0", m.path("jsonrpc").asText(), body);
        return m.at("/error/code").asInt();
    }

    @Test
    void idsThatAreNotStringsOrIntegersAreInvalidRequests() throws Exception {
        RawMcp raw = new RawMcp(mcp);
        assertEquals(200, raw.initialize().status());
        try {
            for (String id : List.of("null", "{\"a\":1}", "1.5", "true", "[1]")) {
                RawMcp.RawResponse r = raw.post("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"ping\"}");
                assertEquals(400, r.status(), id + ": " + r.body());
                assertEquals(-32600, code(r.body()), id);
                assertTrue(r.body().contains("\\\"id\\\"") || r.body().contains("id"), r.body());
                // the legacy message endpoint checks the same before its session lookup
                HttpResponse<String> legacy = http.send(HttpRequest.newBuilder(URI.create(host.baseUrl() + HttpHost.MESSAGE_PATH + "?sessionId=x"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"ping\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(400, legacy.statusCode(), id + ": " + legacy.body());
                assertEquals(-32600, code(legacy.body()), id);
            }
            // a response from the client is held to the same rule
            RawMcp.RawResponse nullAnswer = raw.post("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"x\"}}");
            assertEquals(400, nullAnswer.status(), nullAnswer.body());
            assertEquals(-32600, code(nullAnswer.body()));
            assertEquals(200, raw.post("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}").status());
        } finally {
            raw.delete();
        }
    }

    @Test
    void requestsWithoutTheirParamsAreInvalidParams() throws Exception {
        RawMcp raw = new RawMcp(mcp);
        assertEquals(200, raw.initialize().status());
        try {
            for (String method : List.of("tools/call", "resources/read", "prompts/get")) {
                RawMcp.RawResponse r = raw.post("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"" + method + "\"}");
                assertEquals(200, r.status(), r.body());
                assertEquals(-32602, code(r.body()), method);
                assertEquals(3, r.message().get("id").asInt());
            }
            RawMcp.RawResponse wrongShape = raw.post("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":[1]}}");
            assertEquals(-32602, code(wrongShape.body()));
            RawMcp.RawResponse notAnObject = raw.post("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":[1]}");
            assertEquals(-32602, code(notAnObject.body()));
            HttpResponse<String> legacy = http.send(HttpRequest.newBuilder(URI.create(host.baseUrl() + HttpHost.MESSAGE_PATH + "?sessionId=x"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(400, legacy.statusCode(), legacy.body());
            assertEquals(-32602, code(legacy.body()));
            // initialize without params does not start a session
            RawMcp fresh = new RawMcp(mcp);
            RawMcp.RawResponse init = fresh.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"}");
            assertEquals(400, init.status(), init.body());
            assertEquals(-32602, code(init.body()));
        } finally {
            raw.delete();
        }
    }

    @Test
    void unsupportedProtocolVersionIs400() throws Exception {
        RawMcp raw = new RawMcp(mcp);
        assertEquals(200, raw.initialize().status());
        try {
            RawMcp.RawResponse r = raw.post("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}", "MCP-Protocol-Version", "1999-01-01");
            assertEquals(400, r.status(), r.body());
            assertEquals(-32600, code(r.body()));
            assertTrue(r.message().at("/error/message").asText().contains("1999-01-01"), r.body());
            HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(mcp)).header("Accept", "text/event-stream")
                    .header("Mcp-Session-Id", raw.sessionId).header("MCP-Protocol-Version", "banana").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(400, get.statusCode(), get.body());
            assertEquals(-32600, code(get.body()));
            for (String ok : List.of("2025-03-26", "2025-06-18", "2025-11-25")) {
                assertEquals(200, raw.post("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}", "MCP-Protocol-Version", ok).status(), ok);
            }
        } finally {
            raw.delete();
        }
    }

    @Test
    void sessionsBeyondTheCapAre503UntilOneEnds() throws Exception {
        // the other tests delete their sessions; this one holds the whole cap of 3 (tests run one at a time)
        List<RawMcp> open = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                RawMcp raw = new RawMcp(mcp);
                assertEquals(200, raw.initialize().status());
                open.add(raw);
            }
            RawMcp.RawResponse refused = new RawMcp(mcp).initialize();
            assertEquals(503, refused.status(), refused.body());
            assertEquals(-32000, code(refused.body()));
            assertTrue(refused.message().at("/error/message").asText().contains("limit 3"), refused.body());
            open.removeFirst().delete();
            RawMcp again = new RawMcp(mcp);
            assertEquals(200, again.initialize().status());
            open.add(again);
        } finally {
            for (RawMcp raw : open) {
                raw.delete();
            }
        }
    }

    @Test
    void refusalsWhileShuttingDownAreJsonRpcErrors() throws Exception {
        TestFeatures features = new TestFeatures();
        HttpSettings settings = HttpSettings.defaults().withPort(0);
        settings = new HttpSettings(settings.host(), 0, List.of(), List.of(), List.of(), settings.maxRequestBytes(),
                settings.sessionIdleTimeout(), settings.keepAliveInterval(), Duration.ofSeconds(20));
        HttpHost stopping = new HttpHost(settings, features.features(), new LiveServers(), "default", () -> "{}").start();
        RawMcp raw = new RawMcp(stopping.baseUrl() + HttpHost.MCP_PATH);
        raw.initialize();
        CompletableFuture<RawMcp.RawResponse> slowCall = CompletableFuture.supplyAsync(() -> {
            try {
                return raw.call(2, "slow", "{}");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(features.slowStarted.await(20, TimeUnit.SECONDS), "slow call started");
        CompletableFuture<Void> closing = CompletableFuture.runAsync(stopping::close);
        try {
            RawMcp late = new RawMcp(stopping.baseUrl() + HttpHost.MCP_PATH);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            RawMcp.RawResponse reply = late.initialize();
            while (reply.status() == 200 && System.nanoTime() < deadline) {
                late.delete();
                reply = late.initialize();
            }
            assertEquals(503, reply.status(), reply.body());
            assertTrue(code(reply.body()) < 0, reply.body());
        } finally {
            features.slowRelease.countDown();
            slowCall.get(20, TimeUnit.SECONDS);
            closing.get(20, TimeUnit.SECONDS);
        }
    }
}
