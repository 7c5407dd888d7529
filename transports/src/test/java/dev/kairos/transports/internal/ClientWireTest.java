package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP side of the 2026-07-28 client on a raw socket, so the bytes are what we see: the request's
 * metadata headers, an SSE answer with a notification before it, and an aborted request whose
 * stream is closed (the revision's cancellation signal on HTTP).
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
}
