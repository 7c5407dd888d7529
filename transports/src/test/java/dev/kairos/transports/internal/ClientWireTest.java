package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.transports.ClientOptions;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP side of the 2026-07-28 client on a raw socket, so the bytes are what we see: the request's
 * metadata headers, an SSE answer with a notification before it, an aborted request whose
 * stream is closed (the revision's cancellation signal on HTTP), and the {@code Mcp-Param-*} headers
 * of tools whose parameters carry {@code x-mcp-header} (tools with invalid annotations left out).
 */
@Timeout(60)
class ClientWireTest {
    private final ObjectMapper json = new ObjectMapper();

    private ObjectNode toolsCall(String name) {
        ObjectNode r = json.createObjectNode().put("jsonrpc", "2.0").put("id", "kairos-1").put("method", "tools/call");
        ObjectNode params = r.putObject("params").put("name", name);
        params.putObject("_meta").put(Revision2026.META_VERSION, Revision2026.VERSION);
        return r;
    }

    /** Reads one request's head and body; returns the header lines (names lower-cased). */
    private static List<String> readRequest(Socket s) throws Exception {
        InputStream in = s.getInputStream();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1));
        List<String> headers = new ArrayList<>();
        int length = 0;
        for (String line; (line = r.readLine()) != null && !line.isEmpty(); ) {
            int colon = line.indexOf(':');
            String h = colon < 0 ? line : line.substring(0, colon).toLowerCase() + line.substring(colon);
            headers.add(h);
            if (h.startsWith("content-length:")) {
                length = Integer.parseInt(h.substring(15).trim());
            }
        }
        char[] body = new char[length];
        int read = 0;
        while (read < length) {
            read += r.read(body, read, length - read);
        }
        return headers;
    }

    @Test
    void headersMirrorTheRequestAndAnSseAnswerCarriesItsNotificationsFirst() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<List<String>> seen = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    List<String> headers = readRequest(s);
                    OutputStream out = s.getOutputStream();
                    String progress = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":\"t\",\"progress\":1}}";
                    String answer = "{\"jsonrpc\":\"2.0\",\"id\":\"kairos-1\",\"result\":{\"resultType\":\"complete\",\"content\":[]}}";
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
                            + ": keep-alive\n\nevent: message\ndata: " + progress + "\n\ndata: " + answer + "\n\n")
                            .getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    return headers;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            List<JsonNode> notes = new CopyOnWriteArrayList<>();
            try (ClientWire.Http wire = new ClientWire.Http("t", "http://127.0.0.1:" + server.getLocalPort() + "/mcp",
                    Map.of("Authorization", "Bearer x"), Duration.ofSeconds(5), json)) {
                ClientWire.Reply reply = wire.send(toolsCall("grüße"), notes::add).reply().get(30, TimeUnit.SECONDS);
                assertEquals(200, reply.status());
                assertEquals("complete", reply.message().path("result").path("resultType").asText());
            }
            assertEquals(1, notes.size(), notes.toString());
            assertEquals("notifications/progress", notes.getFirst().path("method").asText());
            List<String> headers = seen.get(30, TimeUnit.SECONDS);
            assertTrue(headers.contains("mcp-protocol-version: 2026-07-28"), headers.toString());
            assertTrue(headers.contains("mcp-method: tools/call"), headers.toString());
            // not plain ASCII: the Base64 sentinel
            String encoded = Base64.getEncoder().encodeToString("grüße".getBytes(StandardCharsets.UTF_8));
            assertTrue(headers.contains("mcp-name: =?base64?" + encoded + "?="), headers.toString());
            assertTrue(headers.contains("authorization: Bearer x"), headers.toString());
            assertTrue(headers.stream().anyMatch(h -> h.startsWith("accept:") && h.contains("application/json")
                    && h.contains("text/event-stream")), headers.toString());
        }
    }

    @Test
    void anAbortedRequestClosesItsStream() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> streaming = new CompletableFuture<>();
            CompletableFuture<Boolean> closedByClient = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    readRequest(s);
                    OutputStream out = s.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n: working\n\n"
                            .getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    streaming.complete(null);
                    // the answer never comes; the client's end of the stream must
                    return s.getInputStream().read() == -1;
                } catch (Exception e) {
                    return true; // a reset is a close too
                }
            });
            try (ClientWire.Http wire = new ClientWire.Http("t", "http://127.0.0.1:" + server.getLocalPort() + "/mcp",
                    Map.of(), Duration.ofSeconds(5), json)) {
                ClientWire.Pending p = wire.send(toolsCall("slow"), n -> { });
                streaming.get(30, TimeUnit.SECONDS);
                assertFalse(p.reply().isDone());
                p.abort().accept("timed out");
                assertTrue(closedByClient.get(30, TimeUnit.SECONDS));
                assertTrue(p.reply().isCancelled());
            }
        }
    }

    /** One request as the raw server read it: header lines (names lower-cased) and the JSON body. */
    private record Seen(List<String> headers, JsonNode body) {
        String header(String name) {
            String prefix = name.toLowerCase() + ": ";
            return headers.stream().filter(h -> h.startsWith(prefix)).map(h -> h.substring(prefix.length()))
                    .findFirst().orElse(null);
        }

        long count(String prefix) {
            return headers.stream().filter(h -> h.startsWith(prefix)).count();
        }
    }

    /**
     * A loopback HTTP server that answers each POST (one per connection) with the JSON {@code answer}
     * makes of it and the number of requests of that method so far.
     */
    private final class RawServer implements AutoCloseable {
        final ServerSocket socket = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        final List<Seen> seen = new CopyOnWriteArrayList<>();
        final Thread loop;

        RawServer(BiFunction<Seen, Long, String> answer) throws Exception {
            loop = Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        InputStream in = s.getInputStream();
                        java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
                        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                            int b = in.read();
                            if (b < 0) {
                                break;
                            }
                            head.write(b);
                        }
                        List<String> headers = new ArrayList<>();
                        int length = 0;
                        for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
                            int colon = line.indexOf(':');
                            String h = colon < 0 ? line : line.substring(0, colon).toLowerCase() + line.substring(colon);
                            headers.add(h);
                            if (h.startsWith("content-length:")) {
                                length = Integer.parseInt(h.substring(15).trim());
                            }
                        }
                        String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                        Seen one = new Seen(headers, json.readTree(body));
                        seen.add(one);
                        String method = one.body().path("method").asText();
                        long nth = seen.stream().filter(x -> method.equals(x.body().path("method").asText())).count();
                        byte[] out = answer.apply(one, nth).getBytes(StandardCharsets.UTF_8);
                        int status = json.readTree(out).has("error") ? 400 : 200;
                        OutputStream o = s.getOutputStream();
                        o.write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: " + out.length
                                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        o.write(out);
                        o.flush();
                    } catch (Exception e) {
                        if (!socket.isClosed()) {
                            System.err.println("raw server: " + e);
                        }
                    }
                }
            });
        }

        String url() {
            return "http://127.0.0.1:" + socket.getLocalPort() + "/mcp";
        }

        List<Seen> calls() {
            return seen.stream().filter(x -> "tools/call".equals(x.body().path("method").asText())).toList();
        }

        @Override
        public void close() throws Exception {
            socket.close();
            loop.join(5000);
        }
    }

    private static String result(JsonNode id, String result) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + result + "}";
    }

    private static final String LISTED = """
            {"resultType":"complete","ttlMs":60000,"tools":[
             {"name":"execute_sql","inputSchema":{"type":"object","properties":{
               "region":{"type":"string","x-mcp-header":"Region"},
               "priority":{"type":"integer","x-mcp-header":"Priority"},
               "verbose":{"type":"boolean","x-mcp-header":"Verbose"},
               "greeting":{"type":"string","x-mcp-header":"Greeting"},
               "target":{"type":"object","properties":{"zone":{"type":"string","x-mcp-header":"Zone"}}},
               "query":{"type":"string"}}}},
             {"name":"plain","inputSchema":{"type":"object","properties":{"text":{"type":"string"}}}},
             {"name":"bad_number","inputSchema":{"type":"object","properties":{"score":{"type":"number","x-mcp-header":"Score"}}}},
             {"name":"bad_duplicate","inputSchema":{"type":"object","properties":{
               "a":{"type":"string","x-mcp-header":"MyField"},"b":{"type":"string","x-mcp-header":"myfield"}}}}]}""";

    private StatelessClient client(RawServer server) {
        return new StatelessClient("raw", new ClientWire.Http("raw", server.url(), Map.of(), Duration.ofSeconds(5), json),
                ClientOptions.defaults("test"));
    }

    @Test
    void xMcpHeaderParametersAreMirroredIntoMcpParamHeadersAndInvalidToolsLeftOut() throws Exception {
        try (RawServer server = new RawServer((req, nth) -> switch (req.body().path("method").asText()) {
            case "tools/list" -> result(req.body().get("id"), LISTED);
            default -> result(req.body().get("id"), "{\"resultType\":\"complete\",\"content\":[]}");
        }); StatelessClient client = client(server)) {
            List<McpSchema.Tool> tools = client.listTools(Duration.ofSeconds(30));
            assertEquals(List.of("execute_sql", "plain"), tools.stream().map(McpSchema.Tool::name).toList());

            Map<String, Object> args = new LinkedHashMap<>();
            args.put("region", "us-west1");
            args.put("priority", 42);
            args.put("verbose", null);
            args.put("greeting", "Hello, 世界");
            args.put("target", Map.of("zone", "b"));
            args.put("query", "SELECT * FROM users");
            McpSchema.CallToolResult r = client.call("execute_sql", args, "t", p -> { }, Instant.now().plusSeconds(30));
            assertFalse(Boolean.TRUE.equals(r.isError()), String.valueOf(r));
            client.call("plain", Map.of("text", "x"), "t", p -> { }, Instant.now().plusSeconds(30));

            Seen call = server.calls().get(0);
            assertEquals("execute_sql", call.header("mcp-name"));
            assertEquals("us-west1", call.header("mcp-param-region"));
            assertEquals("42", call.header("mcp-param-priority"));
            assertEquals("=?base64?SGVsbG8sIOS4lueVjA==?=", call.header("mcp-param-greeting"));
            assertEquals("b", call.header("mcp-param-zone"));
            // null: no header; unannotated: never a header
            assertNull(call.header("mcp-param-verbose"), call.headers().toString());
            assertEquals(4, call.count("mcp-param-"), call.headers().toString());
            // the body is unchanged: the header mirrors it, it does not replace it
            assertEquals("us-west1", call.body().path("params").path("arguments").path("region").asText());
            assertEquals(0, server.calls().get(1).count("mcp-param-"), server.calls().get(1).headers().toString());
        }
    }

    @Test
    void aHeaderMismatchListsTheToolsAgainAndResendsOnceWithTheNewHeaders() throws Exception {
        String before = "{\"resultType\":\"complete\",\"ttlMs\":60000,\"tools\":[{\"name\":\"route\",\"inputSchema\":"
                + "{\"type\":\"object\",\"properties\":{\"region\":{\"type\":\"string\"}}}}]}";
        String after = before.replace("{\"type\":\"string\"}", "{\"type\":\"string\",\"x-mcp-header\":\"Region\"}");
        try (RawServer server = new RawServer((req, nth) -> switch (req.body().path("method").asText()) {
            case "tools/list" -> result(req.body().get("id"), nth == 1 ? before : after);
            default -> req.header("mcp-param-region") == null
                    ? "{\"jsonrpc\":\"2.0\",\"id\":" + req.body().get("id")
                    + ",\"error\":{\"code\":-32020,\"message\":\"Header mismatch: the Mcp-Param-Region header is missing\"}}"
                    : result(req.body().get("id"), "{\"resultType\":\"complete\",\"content\":[{\"type\":\"text\",\"text\":\"routed\"}]}");
        }); StatelessClient client = client(server)) {
            client.listTools(Duration.ofSeconds(30));
            McpSchema.CallToolResult r = client.call("route", Map.of("region", "eu"), "t", p -> { }, Instant.now().plusSeconds(30));
            assertEquals("routed", ((McpSchema.TextContent) r.content().getFirst()).text(), String.valueOf(r));
            assertEquals(2, server.calls().size());
            assertNull(server.calls().get(0).header("mcp-param-region"));
            assertEquals("eu", server.calls().get(1).header("mcp-param-region"));
            // the list the connection holds is to be fetched again: the call changed what we know of the tool
            assertTrue(client.toolsStale());
        }
    }
}
