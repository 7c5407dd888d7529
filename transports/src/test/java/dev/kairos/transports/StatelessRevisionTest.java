package dev.kairos.transports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MCP's stateless 2026-07-28 revision beside the session revisions, over Streamable HTTP and stdio:
 * discovery, the per-request checks, multi round-trip input (both through {@link ClientInput} and
 * through a tool that uses the SDK exchange), a forged request state, and listen streams.
 */
class StatelessRevisionTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String V = "2026-07-28";
    static HttpHost host;
    static LiveServers live = new LiveServers();
    static String mcp;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final TestFeatures features = new TestFeatures();

    @BeforeAll
    static void start() throws Exception {
        HttpSettings d = HttpSettings.defaults();
        HttpSettings settings = new HttpSettings("127.0.0.1", 0, List.of(), List.of(), List.of(), d.maxRequestBytes(),
                d.sessionIdleTimeout(), Duration.ofMillis(200), d.shutdownGrace());
        host = new HttpHost(settings, features.features(), live, "default", () -> "{}").start();
        mcp = host.baseUrl() + HttpHost.MCP_PATH;
    }

    @AfterAll
    static void stop() {
        host.close();
    }

    static ObjectNode request(Object id, String method, ObjectNode params, Map<String, Object> capabilities) {
        ObjectNode r = JSON.createObjectNode();
        r.put("jsonrpc", "2.0");
        r.set("id", JSON.valueToTree(id));
        r.put("method", method);
        ObjectNode p = params == null ? JSON.createObjectNode() : params;
        ObjectNode meta = p.putObject("_meta");
        meta.put("io.modelcontextprotocol/protocolVersion", V);
        meta.set("io.modelcontextprotocol/clientCapabilities", JSON.valueToTree(capabilities));
        r.set("params", p);
        return r;
    }

    static ObjectNode call(Object id, String tool, Map<String, Object> capabilities) {
        ObjectNode p = JSON.createObjectNode();
        p.put("name", tool);
        p.putObject("arguments");
        return request(id, "tools/call", p, capabilities);
    }

    /** POSTs with the revision's standard headers (overridable), returns status and the last JSON message. */
    static Reply post(JsonNode body, Map<String, String> headers) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(mcp)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream");
        for (var h : headers.entrySet()) {
            if (h.getValue() != null) {
                b.header(h.getKey(), h.getValue());
            }
        }
        HttpResponse<String> r = http.send(b.POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        String text = r.body();
        List<JsonNode> messages = new java.util.ArrayList<>();
        if (r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
            for (String line : text.split("\n")) {
                if (line.startsWith("data:")) {
                    messages.add(JSON.readTree(line.substring(5)));
                }
            }
        } else if (!text.isEmpty()) {
            messages.add(JSON.readTree(text));
        }
        return new Reply(r.statusCode(), messages);
    }

    static Reply post(ObjectNode body) throws Exception {
        String method = body.get("method").asText();
        String name = body.path("params").path("name").asText(body.path("params").path("uri").asText(null));
        var headers = new java.util.HashMap<String, String>();
        headers.put("MCP-Protocol-Version", V);
        headers.put("Mcp-Method", method);
        headers.put("Mcp-Name", name);
        return post(body, headers);
    }

    record Reply(int status, List<JsonNode> messages) {
        JsonNode last() {
            return messages.getLast();
        }
    }

    @Test
    void discoveryNamesEveryRevisionAndThisServer() throws Exception {
        Reply r = post(request(1, "server/discover", null, Map.of()));
        assertEquals(200, r.status());
        JsonNode result = r.last().get("result");
        assertEquals("complete", result.get("resultType").asText());
        assertTrue(result.get("supportedVersions").toString().contains(V) && result.get("supportedVersions").toString().contains("2025-11-25"));
        assertEquals("kairos-test", result.at("/_meta/io.modelcontextprotocol~1serverInfo/name").asText());
        assertTrue(result.has("ttlMs") && result.has("cacheScope"));
        JsonNode tools = post(request(2, "tools/list", null, Map.of())).last().get("result");
        assertEquals("complete", tools.get("resultType").asText());
        assertTrue(tools.get("tools").size() >= 5);
        assertEquals("public", tools.get("cacheScope").asText());
    }

    @Test
    void versionMetaAndHeadersAreChecked() throws Exception {
        ObjectNode unknown = request(3, "tools/list", null, Map.of());
        ((ObjectNode) unknown.at("/params/_meta")).put("io.modelcontextprotocol/protocolVersion", "2099-01-01");
        Reply r = post(unknown, Map.of("MCP-Protocol-Version", "2099-01-01", "Mcp-Method", "tools/list"));
        assertEquals(400, r.status());
        assertEquals(-32022, r.last().at("/error/code").asInt());
        assertTrue(r.last().at("/error/data/supported").toString().contains(V));

        ObjectNode noMeta = request(4, "tools/list", null, Map.of());
        ((ObjectNode) noMeta.get("params")).remove("_meta");
        r = post(noMeta, Map.of("MCP-Protocol-Version", V, "Mcp-Method", "tools/list"));
        assertEquals(400, r.status());
        assertEquals(-32602, r.last().at("/error/code").asInt());

        // header and body disagree: the method, the tool name, a missing header
        r = post(call(5, "echo", Map.of()), Map.of("MCP-Protocol-Version", V, "Mcp-Method", "tools/list", "Mcp-Name", "echo"));
        assertEquals(400, r.status());
        assertEquals(-32020, r.last().at("/error/code").asInt());
        r = post(call(6, "echo", Map.of()), Map.of("MCP-Protocol-Version", V, "Mcp-Method", "tools/call", "Mcp-Name", "greet"));
        assertEquals(-32020, r.last().at("/error/code").asInt());
        r = post(call(7, "echo", Map.of()), Map.of("MCP-Protocol-Version", V, "Mcp-Method", "tools/call"));
        assertEquals(-32020, r.last().at("/error/code").asInt());
        assertEquals(7, r.last().get("id").asInt());

        // the session methods do not exist in this revision
        r = post(request(8, "initialize", null, Map.of()));
        assertEquals(404, r.status());
        assertEquals(-32601, r.last().at("/error/code").asInt());
    }

    /** A call of {@code route} (region and shard carry x-mcp-header) with the standard headers and {@code params}. */
    private static Reply route(int id, Object region, Object shard, Map<String, String> params) throws Exception {
        ObjectNode body = call(id, "route", Map.of());
        ObjectNode args = (ObjectNode) body.at("/params/arguments");
        if (region != null) {
            args.set("region", JSON.valueToTree(region));
        }
        args.set("shard", JSON.valueToTree(shard));
        args.put("query", "SELECT 1");
        var headers = new java.util.HashMap<String, String>(Map.of("MCP-Protocol-Version", V, "Mcp-Method", "tools/call",
                "Mcp-Name", "route"));
        headers.putAll(params);
        return post(body, headers);
    }

    @Test
    void mcpParamHeadersMustMatchTheArgumentsTheyMirror() throws Exception {
        Reply r = route(40, "eu", 7, Map.of("Mcp-Param-Region", "eu", "Mcp-Param-Shard", "7"));
        assertEquals(200, r.status(), r.messages().toString());
        assertEquals("routed eu 7", r.last().at("/result/content/0/text").asText());
        // decoded from the Base64 sentinel; an integer compared as a number; names ignore case
        r = route(41, "eu", 7, Map.of("mcp-param-region", "=?base64?ZXU=?=", "MCP-PARAM-SHARD", "7.0"));
        assertEquals(200, r.status(), r.messages().toString());
        // a value without the sentinel's both ends is literal
        r = route(42, "=?base64?ZXU=", 7, Map.of("Mcp-Param-Region", "=?base64?ZXU=", "Mcp-Param-Shard", "7"));
        assertEquals(200, r.status(), r.messages().toString());
        // absent from the body: no header is expected
        r = route(43, null, 7, Map.of("Mcp-Param-Shard", "7"));
        assertEquals(200, r.status(), r.messages().toString());

        Map<String, Map<String, String>> refused = new java.util.LinkedHashMap<>();
        refused.put("missing", Map.of("Mcp-Param-Shard", "7"));
        refused.put("another value", Map.of("Mcp-Param-Region", "us", "Mcp-Param-Shard", "7"));
        refused.put("another number", Map.of("Mcp-Param-Region", "eu", "Mcp-Param-Shard", "8"));
        refused.put("Base64 without padding", Map.of("Mcp-Param-Region", "=?base64?ZXU?=", "Mcp-Param-Shard", "7"));
        refused.put("Base64 with a stray character", Map.of("Mcp-Param-Region", "=?base64?Z!U=?=", "Mcp-Param-Shard", "7"));
        int id = 50;
        for (var e : refused.entrySet()) {
            r = route(id, "eu", 7, e.getValue());
            assertEquals(400, r.status(), e.getKey() + ": " + r.messages());
            assertEquals(-32020, r.last().at("/error/code").asInt(), e.getKey() + ": " + r.messages());
            assertEquals(id++, r.last().get("id").asInt());
        }
        assertTrue(route(60, "eu", 7, Map.of("Mcp-Param-Shard", "7")).last().at("/error/message").asText()
                .contains("Mcp-Param-Region header is missing"));
    }

    @Test
    void kairosAsAClientSendsTheHeadersKairosAsAServerChecks() throws Exception {
        var wire = new dev.kairos.transports.internal.ClientWire.Http("self", mcp, Map.of(), Duration.ofSeconds(5), JSON);
        try (var client = new dev.kairos.transports.internal.StatelessClient("self", wire, ClientOptions.defaults("test"))) {
            assertTrue(client.listTools(Duration.ofSeconds(20)).stream().anyMatch(t -> "route".equals(t.name())));
            McpSchema.CallToolResult r = client.call("route", Map.of("region", " Zürich ", "shard", 3), "t", p -> { },
                    java.time.Instant.now().plusSeconds(20));
            assertFalse(Boolean.TRUE.equals(r.isError()), String.valueOf(r));
            assertEquals("routed  Zürich  3", ((McpSchema.TextContent) r.content().getFirst()).text());
        }
    }

    @Test
    void aToolAsksTwiceAcrossRoundsAndTheStateCarriesTheFirstAnswer() throws Exception {
        Map<String, Object> caps = Map.of("elicitation", Map.of());
        JsonNode first = post(call(10, "greet", caps)).last().get("result");
        assertEquals("input_required", first.get("resultType").asText());
        assertEquals("elicitation/create", first.at("/inputRequests/name/method").asText());
        String state1 = first.get("requestState").asText();

        ObjectNode retry = call(11, "greet", caps);
        ((ObjectNode) retry.get("params")).put("requestState", state1);
        ((ObjectNode) retry.get("params")).putObject("inputResponses").putObject("name")
                .put("action", "accept").putObject("content").put("name", "Ada");
        JsonNode second = post(retry).last().get("result");
        assertEquals("input_required", second.get("resultType").asText());
        assertTrue(second.at("/inputRequests/town").isObject(), second.toString());
        assertFalse(second.at("/inputRequests/name").isObject(), "the name was answered already");
        String state2 = second.get("requestState").asText();
        assertNotEquals(state1, state2);

        ObjectNode last = call(12, "greet", caps);
        ((ObjectNode) last.get("params")).put("requestState", state2);
        ((ObjectNode) last.get("params")).putObject("inputResponses").putObject("town")
                .put("action", "accept").putObject("content").put("town", "London");
        JsonNode done = post(last).last().get("result");
        assertEquals("complete", done.get("resultType").asText());
        assertEquals("Hello Ada from London", done.at("/content/0/text").asText());

        // a forged state is refused, and one made for another tool does not fit this one
        ObjectNode forged = call(13, "greet", caps);
        ((ObjectNode) forged.get("params")).put("requestState", state2.substring(0, state2.length() - 2) + "xx");
        Reply refused = post(forged);
        assertEquals(400, refused.status());
        assertEquals(-32602, refused.last().at("/error/code").asInt());
        ObjectNode elsewhere = call(14, "chatty", caps);
        ((ObjectNode) elsewhere.get("params")).put("requestState", state2);
        assertEquals(-32602, post(elsewhere).last().at("/error/code").asInt());
    }

    @Test
    void aToolUsingTheSdkExchangeGetsItsAnswerOnTheRetryAndLogsOnlyWhenAsked() throws Exception {
        // chatty logs twice, then asks the client's model through exchange.createMessage
        Map<String, Object> caps = Map.of("sampling", Map.of());
        Reply first = post(call(20, "chatty", caps));
        assertTrue(first.messages().stream().noneMatch(m -> "notifications/message".equals(m.path("method").asText())),
                "no log level asked, no log messages: " + first.messages());
        JsonNode asked = first.last().get("result");
        assertEquals("input_required", asked.get("resultType").asText());
        String key = asked.get("inputRequests").fieldNames().next();
        assertEquals("sampling/createMessage", asked.at("/inputRequests/" + key + "/method").asText());

        ObjectNode retry = call(21, "chatty", caps);
        ((ObjectNode) retry.at("/params/_meta")).put("io.modelcontextprotocol/logLevel", "info");
        ((ObjectNode) retry.get("params")).put("requestState", asked.get("requestState").asText());
        ObjectNode answer = ((ObjectNode) retry.get("params")).putObject("inputResponses").putObject(key);
        answer.put("role", "assistant").put("model", "m").putObject("content").put("type", "text").put("text", "pong");
        Reply done = post(retry);
        assertEquals("model said pong", done.last().at("/result/content/0/text").asText());
        assertEquals(2, done.messages().stream().filter(m -> "notifications/message".equals(m.path("method").asText())).count(),
                done.messages().toString());

        // without the capability it needs, the request fails with -32021 naming it
        Reply missing = post(call(22, "greet", Map.of("sampling", Map.of())));
        assertEquals(400, missing.status());
        assertEquals(-32021, missing.last().at("/error/code").asInt());
        assertTrue(missing.last().at("/error/data/requiredCapabilities/elicitation").isObject(), missing.last().toString());
    }

    @Test
    void aLongCallBecomesAStreamThatPingsItsClientAndStillEndsWithItsAnswer() throws Exception {
        // keep-alive is 200 ms here: a call of 700 ms is pinged before it answers; a quick one stays JSON
        ObjectNode p = JSON.createObjectNode();
        p.put("name", "held");
        p.putObject("arguments").put("ms", 700);
        HttpResponse<String> r = send(request(21, "tools/call", p, Map.of()));
        assertEquals("text/event-stream", r.headers().firstValue("Content-Type").orElse(""));
        assertTrue(r.body().startsWith(":\n\n"), "pinged before the answer: " + r.body());
        String last = r.body().lines().filter(l -> l.startsWith("data:")).reduce((a, b) -> b).orElseThrow();
        JsonNode answer = JSON.readTree(last.substring(5));
        assertEquals(21, answer.get("id").asInt());
        assertEquals("held 700 ms", answer.path("result").path("content").get(0).path("text").asText());

        ObjectNode e = JSON.createObjectNode();
        e.put("name", "echo");
        e.putObject("arguments").put("message", "hi");
        HttpResponse<String> quick = send(request(22, "tools/call", e, Map.of()));
        assertEquals("application/json", quick.headers().firstValue("Content-Type").orElse(""));
        assertEquals("hi", JSON.readTree(quick.body()).path("result").path("content").get(0).path("text").asText());
    }

    /** POSTs a tools/call with the revision's headers; returns the raw answer. */
    private static HttpResponse<String> send(ObjectNode toolCall) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(mcp)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", V).header("Mcp-Method", "tools/call")
                .header("Mcp-Name", toolCall.path("params").path("name").asText())
                .POST(HttpRequest.BodyPublishers.ofString(toolCall.toString())).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aClientThatClosesItsConnectionCancelsItsRequest() throws Exception {
        // the revision has no notifications/cancelled over HTTP: a client cancels by closing the connection
        URI u = URI.create(mcp);
        byte[] body = call(23, "held", Map.of()).toString().getBytes(StandardCharsets.UTF_8);
        try (java.net.Socket s = new java.net.Socket(u.getHost(), u.getPort())) {
            s.setSoTimeout(10_000);
            String head = "POST " + u.getPath() + " HTTP/1.1\r\nHost: " + u.getHost() + ":" + u.getPort()
                    + "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream"
                    + "\r\nMCP-Protocol-Version: " + V + "\r\nMcp-Method: tools/call\r\nMcp-Name: held"
                    + "\r\nContent-Length: " + body.length + "\r\n\r\n";
            s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(body);
            s.getOutputStream().flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line;
            boolean stream = false;
            while ((line = in.readLine()) != null && !line.equals(":")) {
                stream |= line.equalsIgnoreCase("Content-Type: text/event-stream");
            }
            assertTrue(stream && ":".equals(line), "the call became a stream and was pinged");
            assertEquals(1, features.heldInterrupted.getCount(), "not cancelled while the client is there");
        }
        assertTrue(features.heldInterrupted.await(10, TimeUnit.SECONDS), "the closed connection cancelled the call");
    }

    @Test
    void theSessionRevisionsStillWorkOnTheSameEndpoint() throws Exception {
        RawMcp raw = new RawMcp(mcp);
        assertEquals(200, raw.initialize().status());
        assertEquals("hi", RawMcp.JSON.readTree(raw.call(2, "echo", "{\"message\":\"hi\"}").body()).at("/result/content/0/text").asText());
    }

    @Test
    void aListenStreamIsAcknowledgedThenCarriesOnlyTheResourcesAskedFor() throws Exception {
        ObjectNode params = JSON.createObjectNode();
        params.putObject("notifications").putArray("resourceSubscriptions").add("kairos://a");
        ObjectNode listen = request(30, "subscriptions/listen", params, Map.of());
        HttpRequest req = HttpRequest.newBuilder(URI.create(mcp)).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream").header("MCP-Protocol-Version", V)
                .header("Mcp-Method", "subscriptions/listen").POST(HttpRequest.BodyPublishers.ofString(listen.toString())).build();
        HttpResponse<InputStream> stream = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
        JsonNode ack = nextData(lines);
        assertEquals("notifications/subscriptions/acknowledged", ack.get("method").asText());
        assertEquals(30, ack.at("/params/_meta/io.modelcontextprotocol~1subscriptionId").asInt());
        live.resourceUpdated("kairos://other");
        live.resourceUpdated("kairos://a");
        JsonNode update = CompletableFuture.supplyAsync(() -> nextData(lines)).get(10, TimeUnit.SECONDS);
        assertEquals("notifications/resources/updated", update.get("method").asText());
        assertEquals("kairos://a", update.at("/params/uri").asText(), "the other resource was not asked for");
        assertEquals(30, update.at("/params/_meta/io.modelcontextprotocol~1subscriptionId").asInt());
        stream.body().close();
    }

    private static JsonNode nextData(BufferedReader lines) {
        try {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith("data:")) {
                    return JSON.readTree(line.substring(5));
                }
            }
            throw new IllegalStateException("stream ended");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void onStdioDiscoveryAndRoundTripsWorkBesideTheSession() throws Exception {
        PipedOutputStream toServer = new PipedOutputStream();
        PipedInputStream serverIn = new PipedInputStream(toServer, 1 << 16);
        var lines = new java.util.concurrent.LinkedBlockingQueue<String>();
        OutputStream serverOut = new OutputStream() {
            private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

            @Override
            public synchronized void write(int b) {
                if (b == '\n') {
                    lines.add(line.toString(StandardCharsets.UTF_8));
                    line.reset();
                } else {
                    line.write(b);
                }
            }
        };
        StdioHost stdio = new StdioHost(new TestFeatures().features(), new LiveServers(), serverIn, serverOut, Duration.ofSeconds(10));
        var out = lines;
        try {
            send(toServer, request(1, "server/discover", null, Map.of()));
            JsonNode discovered = readLine(out);
            assertEquals(1, discovered.get("id").asInt());
            assertTrue(discovered.at("/result/supportedVersions").toString().contains(V), discovered.toString());

            Map<String, Object> caps = Map.of("elicitation", Map.of());
            send(toServer, call(2, "greet", caps));
            JsonNode asked = readLine(out);
            assertEquals(2, asked.get("id").asInt());
            assertEquals("input_required", asked.at("/result/resultType").asText());

            // the session revision on the same pipe
            send(toServer, JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":\"init\",\"method\":\"initialize\",\"params\":"
                    + "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}"));
            assertEquals("init", readLine(out).get("id").asText());
            send(toServer, JSON.readTree("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"));
            send(toServer, JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":"
                    + "{\"name\":\"echo\",\"arguments\":{\"message\":\"still here\"}}}"));
            assertEquals("still here", readLine(out).at("/result/content/0/text").asText());
            toServer.close();
            assertTrue(stdio.awaitEndOfInput());
        } finally {
            stdio.close();
        }
    }

    @Test
    void aChunkedBodyOverTheLimitIs413AndTheNextRequestIsAnswered() throws Exception {
        ObjectNode params = JSON.createObjectNode().put("name", "echo");
        params.putObject("arguments").put("message", "a".repeat(HttpSettings.defaults().maxRequestBytes() + 10));
        byte[] big = request(1, "tools/call", params, Map.of()).toString().getBytes(StandardCharsets.UTF_8);
        // an InputStream body has no declared length, so the JDK client sends it chunked
        HttpRequest chunked = HttpRequest.newBuilder(URI.create(mcp)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", V).header("Mcp-Method", "tools/call").header("Mcp-Name", "echo")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build();
        HttpResponse<String> refused = http.send(chunked, HttpResponse.BodyHandlers.ofString());
        assertEquals(413, refused.statusCode(), refused.body());
        assertEquals(-32600, JSON.readTree(refused.body()).at("/error/code").asInt(), refused.body());

        ObjectNode small = JSON.createObjectNode().put("name", "echo");
        small.putObject("arguments").put("message", "still here");
        assertEquals("still here", post(request(2, "tools/call", small, Map.of())).last().at("/result/content/0/text").asText());
    }

    /** A 2026-07-28 client writes server/discover as soon as it spawns the server: before the host is even built. */
    @Test
    void onStdioADiscoveryWaitingBeforeStartIsAnsweredByTheStatelessRevision() throws Exception {
        byte[] first = (request(1, "server/discover", null, Map.of()) + "\n").getBytes(StandardCharsets.UTF_8);
        var written = new java.io.ByteArrayOutputStream();
        StdioHost stdio = new StdioHost(new TestFeatures().features(), new LiveServers(),
                new java.io.ByteArrayInputStream(first), written, Duration.ofSeconds(10));
        try {
            assertTrue(stdio.awaitEndOfInput());
        } finally {
            stdio.close();
        }
        JsonNode answer = JSON.readTree(written.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow());
        assertTrue(answer.at("/result/supportedVersions").toString().contains(V), answer.toString());
    }

    private static JsonNode readLine(java.util.concurrent.BlockingQueue<String> lines) throws Exception {
        String line = lines.poll(10, TimeUnit.SECONDS);
        assertTrue(line != null, "no line from the server within 10 s");
        return JSON.readTree(line);
    }

    private static void send(OutputStream out, JsonNode message) throws java.io.IOException {
        out.write((message + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
