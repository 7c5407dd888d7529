package dev.kairos.bench.mcp;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The load client's own wire handling: SSE framing, HTTP/1.1 bodies, target parsing. */
class WireParsingTest {

    @Test
    void sseEventsJoinMultiLineDataAndSplitOnBlankLines() {
        String stream = "event: message\r\ndata: {\"a\":1}\r\n\r\n: comment\ndata:{\"b\":\ndata: 2}\n\nid: 3\n";
        assertEquals(List.of("{\"a\":1}", "{\"b\":\n2}"), SseEvents.dataOf(stream));
    }

    @Test
    void sseEventWithoutTrailingBlankLineStillCounts() {
        assertEquals(List.of("x"), SseEvents.dataOf("data: x"));
    }

    @Test
    void readsChunkedThenContentLengthResponsesOnOneKeepAliveConnection() throws Exception {
        String chunked = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "7\r\ndata: h\r\n" + "3\r\ni\n\n\r\n" + "0\r\n\r\n";
        String sized = "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\nMcp-Session-Id: s1\r\n\r\nok";
        try (var server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> requests = serve(server, List.of(chunked, sized));
            try (var http = new HttpConnection("127.0.0.1", server.getLocalPort(), Duration.ofSeconds(10))) {
                var first = http.exchange("POST", "/mcp", Map.of("Content-Type", "application/json"),
                        "{}".getBytes(StandardCharsets.UTF_8));
                assertEquals(200, first.status());
                assertEquals(List.of("hi"), SseEvents.dataOf(first.bodyText()));
                var second = http.exchange("POST", "/mcp", Map.of(), "[]".getBytes(StandardCharsets.UTF_8));
                assertEquals(202, second.status());
                assertEquals("s1", second.header("mcp-session-id"));
                assertEquals("ok", second.bodyText());
                assertTrue(http.isOpen());
            }
            String sent = requests.get(10, TimeUnit.SECONDS);
            assertTrue(sent.startsWith("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:"), sent);
            assertTrue(sent.contains("Content-Length: 2\r\n\r\n{}"), sent);
        }
    }

    @Test
    void aConnectionClosedMidBodyIsAnErrorNotAShortReply() throws Exception {
        try (var server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            serve(server, List.of("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
            try (var http = new HttpConnection("127.0.0.1", server.getLocalPort(), Duration.ofSeconds(10))) {
                var e = assertThrows(IOException.class, () -> http.exchange("POST", "/mcp", Map.of(), new byte[0]));
                assertTrue(e.getMessage().contains("3 of 10"), e.getMessage());
                assertFalse(http.isOpen());
            }
        }
    }

    @Test
    void targetSpecNamesTheWrongPart() {
        var ok = Target.parse("ts=http://127.0.0.1:8080/mcp@42", 100);
        assertEquals("ts", ok.name());
        assertEquals(8080, ok.endpoint().getPort());
        assertEquals(42, ok.process().orElseThrow().pid());
        assertTrue(Target.parse("k=http://127.0.0.1:1/mcp", 100).process().isEmpty());

        var noName = assertThrows(IllegalArgumentException.class, () -> Target.parse("http://127.0.0.1:1/mcp", 100));
        assertTrue(noName.getMessage().contains("expected name="), noName.getMessage());
        var badPid = assertThrows(IllegalArgumentException.class, () -> Target.parse("k=http://127.0.0.1:1/mcp@x1", 100));
        assertTrue(badPid.getMessage().contains("pid 'x1'"), badPid.getMessage());
        var noPort = assertThrows(IllegalArgumentException.class, () -> Target.parse("k=https://example/mcp", 100));
        assertTrue(noPort.getMessage().contains("http://host:port/path"), noPort.getMessage());
    }

    @Test
    void theStatelessClientSendsVersionMethodAndNameOnEveryPostAndNoSession() throws Exception {
        String discovered = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"supportedVersions\":[\"2026-07-28\"],\"resultType\":\"complete\"}}";
        String echoed = "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],\"resultType\":\"complete\"}}";
        try (var server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> requests = serve(server, List.of(json(discovered), json(echoed)));
            var target = Target.parse("k=http://127.0.0.1:" + server.getLocalPort() + "/mcp", 100).asStateless();
            try (EchoClient client = EchoClient.open(new com.fasterxml.jackson.databind.ObjectMapper(), target, Duration.ofSeconds(10))) {
                client.echo("hi");
            }
            String sent = requests.get(10, TimeUnit.SECONDS);
            assertTrue(sent.contains("Mcp-Method: server/discover\r\n"), sent);
            assertTrue(sent.contains("MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: echo\r\n"), sent);
            assertTrue(sent.contains("\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\""), sent);
            assertFalse(sent.contains("initialize") || sent.contains("Mcp-Session-Id"), sent);
        }
    }

    private static String json(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    @Test
    void serverCpuOfThisProcessIsReadFromProc() {
        var self = new ServerProcess(ProcessHandle.current().pid(), 100);
        assertTrue(self.alive());
        assertTrue(self.cpuNanos() > 0);
        assertTrue(self.rssBytes() > 0);
    }

    /** Accepts one connection and answers its requests in turn with {@code replies}, then closes it. */
    private static CompletableFuture<String> serve(ServerSocket server, List<String> replies) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket s = server.accept()) {
                s.setSoTimeout(10_000);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                StringBuilder seen = new StringBuilder();
                for (String reply : replies) {
                    String head = readHead(in);
                    seen.append(head);
                    int length = 0;
                    for (String line : head.split("\r\n")) {
                        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).trim());
                        }
                    }
                    seen.append(new String(in.readNBytes(length), StandardCharsets.UTF_8));
                    out.write(reply.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                return seen.toString();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("client closed early: " + head);
            }
            head.append((char) b);
        }
        return head.toString();
    }
}
