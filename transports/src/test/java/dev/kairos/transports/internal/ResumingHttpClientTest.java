package dev.kairos.transports.internal;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResumingHttpClientTest {
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static List<ByteBuffer> chunk(String s) {
        return List.of(ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theScanFollowsIdsRetryAndResponsesAcrossChunkBoundaries() {
        ResumingHttpClient.SseScan scan = new ResumingHttpClient.SseScan();
        scan.accept(chunk("id: e1\nretry: 25"));
        scan.accept(chunk("0\ndata: \n\n: a comment\r\n"));
        assertEquals("e1", scan.lastEventId());
        assertEquals(Duration.ofMillis(250), scan.retry());
        assertEquals(0, scan.events(), "a priming event with empty data is no event");
        scan.accept(chunk("event: message\nid: e2\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n"));
        assertEquals(1, scan.events());
        assertFalse(scan.answered(), "a notification is not the response");
        scan.accept(chunk("id: e3\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,\n"));
        scan.accept(chunk("data: \"result\":{}}\n\n"));
        assertTrue(scan.answered(), "data lines are joined before they are read");
        assertEquals("e3", scan.lastEventId());
        scan.accept(chunk("retry: 99999999\n\n"));
        assertEquals(ResumingHttpClient.MAX_RETRY, scan.retry(), "a server cannot make us wait for ever");
        ResumingHttpClient.SseScan none = new ResumingHttpClient.SseScan();
        none.accept(chunk("data: x\n\n"));
        assertNull(none.lastEventId());
        assertEquals(ResumingHttpClient.DEFAULT_RETRY, none.retry());
    }

    @Test
    void theResumingGetCarriesTheSessionAndLastEventIdButNoBodyHeaders() {
        HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:1/mcp"))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .header("Mcp-Session-Id", "s1").header("MCP-Protocol-Version", "2025-11-25")
                .header("Authorization", "Bearer t").POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        HttpRequest get = ResumingHttpClient.resumeRequest(post, "ev-9");
        assertEquals("GET", get.method());
        assertEquals(post.uri(), get.uri());
        assertEquals("s1", get.headers().firstValue("Mcp-Session-Id").orElseThrow());
        assertEquals("2025-11-25", get.headers().firstValue("MCP-Protocol-Version").orElseThrow());
        assertEquals("Bearer t", get.headers().firstValue("Authorization").orElseThrow());
        assertEquals("ev-9", get.headers().firstValue("Last-Event-ID").orElseThrow());
        assertEquals(List.of("text/event-stream"), get.headers().allValues("Accept"));
        assertTrue(get.headers().firstValue("Content-Type").isEmpty());
    }

    @Test
    void countsTheAnswersThatSayTheServerForgotOurSession() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/mcp", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.start();
        ResumingHttpClient.Observed seen = new ResumingHttpClient.Observed();
        HttpClient client = ResumingHttpClient.newBuilder(seen).build();
        URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/mcp");
        HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.ofString("{}");
        client.send(HttpRequest.newBuilder(uri).POST(body).build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(404, seen.lastPostStatus().get());
        assertEquals(0, seen.sessionLosses().get(), "no session yet: a plain 404 (the fallback rule's case)");
        client.sendAsync(HttpRequest.newBuilder(uri).header("Mcp-Session-Id", "s1").POST(HttpRequest.BodyPublishers
                        .ofString("{\"jsonrpc\":\"2.0\",\"id\":\"r-7\",\"method\":\"tools/call\"}")).build(),
                HttpResponse.BodyHandlers.ofPublisher()).join();
        client.sendAsync(HttpRequest.newBuilder(uri).header("Mcp-Session-Id", "s1").GET().build(),
                HttpResponse.BodyHandlers.discarding()).join();
        assertEquals(2, seen.sessionLosses().get());
        assertTrue(seen.rejected("r-7"), "the request in the POST answered 404 was never processed");
        assertFalse(seen.rejected("r-7"), "asked once");
        assertFalse(seen.rejected("r-8"));
    }

    /** A POST whose stream the server closes after a priming event is resumed by a GET, and the response arrives. */
    @Test
    void aPostStreamClosedBeforeItsResponseIsResumedWithLastEventId() throws Exception {
        List<String> gets = new CopyOnWriteArrayList<>();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/mcp", ex -> {
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (var out = ex.getResponseBody()) {
                if (ex.getRequestMethod().equals("POST")) {
                    ex.getRequestBody().readAllBytes();
                    out.write("id: p1\nretry: 50\ndata: \n\n".getBytes(StandardCharsets.UTF_8));
                } else {
                    gets.add(ex.getRequestHeaders().getFirst("Last-Event-ID") + " "
                            + ex.getRequestHeaders().getFirst("Mcp-Session-Id"));
                    out.write("id: p2\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"ok\":true}}\n\n"
                            .getBytes(StandardCharsets.UTF_8));
                    // held open: the client stops reading once the response is in
                    out.flush();
                    try {
                        Thread.sleep(30_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        ResumingHttpClient.Observed seen = new ResumingHttpClient.Observed();
        HttpClient client = ResumingHttpClient.newBuilder(seen).connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/mcp"))
                .header("Mcp-Session-Id", "s1").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\"}")).build();
        HttpResponse<Flow.Publisher<List<ByteBuffer>>> r = client.sendAsync(post, HttpResponse.BodyHandlers.ofPublisher())
                .get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(200, seen.lastPostStatus().get());
        String body = Flux.from(JdkFlowAdapter.flowPublisherToFlux(r.body()))
                .flatMapIterable(l -> l)
                .map(b -> StandardCharsets.UTF_8.decode(b).toString())
                .collectList().map(l -> String.join("", l))
                .block(Duration.ofSeconds(10));
        assertTrue(body.startsWith("id: p1\n"), body);
        assertTrue(body.contains("\"result\":{\"ok\":true}"), "the response came through the resumed stream: " + body);
        assertEquals(List.of("p1 s1"), gets);
        assertEquals(0, seen.sessionLosses().get());
    }
}
