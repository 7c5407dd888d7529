package dev.kairos.transports;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Resumable SSE streams on {@code /mcp}: every event has an id unique in the session, a GET with
 * {@code Last-Event-ID} continues the stream that id belongs to (and no other), a dropped connection
 * does not lose a call's result, and 2025-11-25 clients get the priming event, the retry field, SSE
 * polling, and a stream instead of a JSON answer for a call that runs long. Streams are read over raw HTTP/1.0 sockets, so a test drops a connection exactly when it
 * means to and a body ends when the server ends the stream.
 */
class SseResumptionTest {
    static final TestFeatures features = new TestFeatures();
    static HttpHost host;

    @BeforeAll
    static void start() throws Exception {
        HttpSettings d = HttpSettings.defaults();
        // keep-alive pings every 300 ms give the GET stream something to carry
        HttpSettings settings = new HttpSettings("127.0.0.1", 0, List.of(), List.of(), List.of(), d.maxRequestBytes(),
                d.sessionIdleTimeout(), Duration.ofMillis(300), d.shutdownGrace());
        host = new HttpHost(settings, features.features(), new LiveServers(), "default", () -> "{}").start();
    }

    @AfterAll
    static void stop() {
        features.stepwiseGoOn.countDown();
        features.slowRelease.countDown();
        host.close();
    }

    /** One SSE event as a client parses it; {@code data} is null when the event had no data field. */
    record Event(String id, String data, Integer retry) {
        JsonNode json() throws IOException {
            return RawMcp.JSON.readTree(data);
        }

        boolean isPriming() {
            return id != null && data != null && data.isEmpty();
        }

        /** The text a log notification carries, or the first text of a result; "" for anything else. */
        String text() throws IOException {
            if (data == null || data.isEmpty()) {
                return "";
            }
            JsonNode m = json();
            return m.has("method") ? m.at("/params/data").asText() : m.at("/result/content/0/text").asText();
        }
    }

    /** The next event, or null at the end of the stream. */
    static Event next(BufferedReader in) throws IOException {
        String id = null;
        StringBuilder data = null;
        Integer retry = null;
        boolean any = false;
        for (String line = in.readLine(); ; line = in.readLine()) {
            if (line == null || line.isEmpty()) {
                if (any) {
                    return new Event(id, data == null ? null : data.toString(), retry);
                }
                if (line == null) {
                    return null;
                }
                continue;
            }
            any = true;
            if (line.startsWith("id:")) {
                id = line.substring(3).trim();
            } else if (line.startsWith("data:")) {
                String d = line.substring(5);
                d = d.startsWith(" ") ? d.substring(1) : d;
                data = data == null ? new StringBuilder(d) : data.append('\n').append(d);
            } else if (line.startsWith("retry:")) {
                retry = Integer.valueOf(line.substring(6).trim());
            }
        }
    }

    static List<Event> rest(BufferedReader in) throws IOException {
        List<Event> events = new ArrayList<>();
        for (Event e = next(in); e != null; e = next(in)) {
            events.add(e);
        }
        return events;
    }

    static List<Event> parse(String body) throws IOException {
        return rest(new BufferedReader(new StringReader(body)));
    }

    /** A response read off a raw connection: status, headers (lower-case names), and the body still to read. */
    record Raw(Socket socket, int status, Map<String, String> headers, BufferedReader body) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Sends one request over a new HTTP/1.0 connection (its response body ends when the connection does). */
    static Raw send(String method, String sessionId, String body, String... headers) throws IOException {
        Socket socket = new Socket("127.0.0.1", host.port());
        socket.setSoTimeout(20_000); // every read below is bounded
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(method + " " + HttpHost.MCP_PATH + " HTTP/1.0\r\n")
                .append("Host: 127.0.0.1:").append(host.port()).append("\r\n")
                .append("Accept: application/json, text/event-stream\r\n")
                .append("Mcp-Session-Id: ").append(sessionId).append("\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length).append("\r\n");
        }
        head.append("\r\n");
        OutputStream out = socket.getOutputStream();
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        String status = in.readLine();
        assertNotNull(status, "no response");
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            int colon = line.indexOf(':');
            fields.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        return new Raw(socket, Integer.parseInt(status.split(" ")[1]), fields, in);
    }

    static Raw call(RawMcp session, int id, String tool) throws IOException {
        return send("POST", session.sessionId, "{\"jsonrpc\":\"2.0\",\"id\":" + id
                + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\",\"arguments\":{}}}");
    }

    static Raw resume(RawMcp session, String lastEventId) throws IOException {
        return send("GET", session.sessionId, null, "Last-Event-ID", lastEventId);
    }

    static RawMcp session(String protocolVersion) throws Exception {
        RawMcp raw = new RawMcp(host.baseUrl() + HttpHost.MCP_PATH);
        assertEquals(200, raw.initializeAs(protocolVersion).status());
        return raw;
    }

    @Test
    void aCallWhoseConnectionDropsMidCallIsResumedWithItsResult() throws Exception {
        RawMcp session = session("2025-11-25");
        String lastSeen;
        String priming;
        try (Raw post = call(session, 2, "stepwise")) {
            assertEquals(200, post.status());
            assertTrue(post.headers().get("content-type").startsWith("text/event-stream"), post.headers().toString());
            Event first = next(post.body());
            assertTrue(first.isPriming(), "the first event primes the client: " + first);
            assertNotNull(first.retry(), "the priming event carries the retry field");
            Event step1 = next(post.body());
            assertEquals("step 1", step1.text());
            assertNotEquals(first.id(), step1.id());
            priming = first.id();
            lastSeen = step1.id();
        } // the client drops the connection here, in the middle of the call
        features.stepwiseGoOn.countDown();

        try (Raw get = resume(session, lastSeen)) {
            assertEquals(200, get.status());
            List<Event> events = rest(get.body()); // ends: the stream is over once the result is out
            List<String> texts = new ArrayList<>();
            for (Event e : events) {
                texts.add(e.text());
            }
            assertEquals(List.of("step 2", "both steps done"), texts, "what came after step 1, once each: " + events);
            JsonNode result = events.getLast().json();
            assertEquals(2, result.get("id").asInt());
            Set<String> ids = new HashSet<>(List.of(priming, lastSeen));
            for (Event e : events) {
                assertTrue(ids.add(e.id()), "event ids are unique: " + e.id());
            }
        }
        // after the call has ended, the same resumption still gets the same events
        try (Raw again = resume(session, lastSeen)) {
            List<Event> events = rest(again.body());
            assertEquals(2, events.size(), events.toString());
            assertEquals("both steps done", events.get(1).text());
        }
        // from the priming event, everything
        try (Raw all = resume(session, priming)) {
            List<Event> events = rest(all.body());
            assertEquals("step 1", events.getFirst().text(), events.toString());
            assertEquals(3, events.size(), events.toString());
        }
        session.delete();
    }

    @Test
    void aLongCallThatSendsNothingBecomesAResumableStream() throws Exception {
        RawMcp session = session("2025-11-25");
        String priming;
        // 'slow' sends nothing until the test releases it; the headers come once the call has run a while
        try (Raw post = call(session, 8, "slow")) {
            assertEquals(200, post.status());
            assertTrue(post.headers().get("content-type").startsWith("text/event-stream"),
                    "a long call is not held for a JSON answer: " + post.headers());
            Event first = next(post.body());
            assertTrue(first.isPriming(), String.valueOf(first));
            priming = first.id();
        } // dropped before the call answers
        features.slowRelease.countDown();
        try (Raw get = resume(session, priming)) {
            List<Event> events = rest(get.body());
            assertEquals(1, events.size(), events.toString());
            assertEquals("finished", events.getFirst().text());
            assertEquals(8, events.getFirst().json().get("id").asInt());
        }
        session.delete();
    }

    @Test
    void aToolMayLetGoOfTheConnectionAndTheClientGetsTheRestByPolling() throws Exception {
        RawMcp session = session("2025-11-25");
        Event priming;
        try (Raw post = call(session, 3, "polling")) {
            assertEquals(200, post.status());
            List<Event> events = rest(post.body()); // the server ends this connection, not the client
            priming = events.getFirst();
            assertTrue(priming.isPriming(), events.toString());
            assertTrue(events.stream().allMatch(e -> e.data() == null || e.data().isEmpty()),
                    "nothing but the priming event and the retry field before the close: " + events);
            assertTrue(events.getLast().retry() != null && events.getLast().retry() > 0,
                    "a retry field comes right before the server closes: " + events);
        }
        try (Raw get = resume(session, priming.id())) {
            List<Event> events = rest(get.body());
            assertEquals(2, events.size(), events.toString());
            assertEquals("after the close", events.get(0).text());
            assertEquals("connection closed: true", events.get(1).text());
            assertEquals(3, events.get(1).json().get("id").asInt());
        }
        session.delete();
    }

    @Test
    void olderClientsGetEventIdsButNoPrimingAndAreNotLetGo() throws Exception {
        RawMcp session = session("2025-06-18");
        RawMcp.RawResponse reply = session.call(4, "polling", "{}");
        assertTrue(reply.header("Content-Type").startsWith("text/event-stream"), reply.headers().toString());
        List<Event> events = parse(reply.body());
        assertEquals(2, events.size(), reply.body());
        assertEquals("connection closed: false", events.get(1).text(), "a 2025-06-18 client may not reconnect");
        for (Event e : events) {
            assertNotNull(e.id(), "every event has an id: " + reply.body());
            assertFalse(e.isPriming(), reply.body());
            assertNull(e.retry(), reply.body());
        }
        assertNotEquals(events.get(0).id(), events.get(1).id());
        session.delete();
    }

    @Test
    void aResumptionReplaysOnlyTheStreamItsIdBelongsTo() throws Exception {
        RawMcp session = session("2025-11-25");
        List<Event> a = parse(session.call(5, "chatty", "{}").body());
        List<Event> b = parse(session.call(6, "chatty", "{}").body());
        assertEquals(4, a.size(), a.toString()); // priming, two log messages, the result
        assertEquals(4, b.size(), b.toString());
        Set<String> ids = new HashSet<>();
        for (Event e : a) {
            assertTrue(ids.add(e.id()), "unique ids across streams: " + a + b);
        }
        for (Event e : b) {
            assertTrue(ids.add(e.id()), "unique ids across streams: " + a + b);
        }
        try (Raw get = resume(session, a.get(1).id())) {
            List<Event> events = rest(get.body());
            assertEquals(2, events.size(), events.toString());
            assertEquals("step 2", events.get(0).text());
            assertEquals(5, events.get(1).json().get("id").asInt(), "the result of the first call, not the second's");
        }
        session.delete();
    }

    @Test
    void aLastEventIdThatNamesNothingResumableIs400() throws Exception {
        RawMcp session = session("2025-11-25");
        List<Event> a = parse(session.call(7, "chatty", "{}").body());
        String last = a.getLast().id();
        String beyond = last.substring(0, last.indexOf('-') + 1) + "99";
        for (String id : List.of("999-1", "garbage", "-1", beyond)) {
            try (Raw get = resume(session, id)) {
                assertEquals(400, get.status(), id);
                String body = String.join("\n", get.body().lines().toList());
                JsonNode error = RawMcp.JSON.readTree(body);
                assertEquals(-32600, error.at("/error/code").asInt(), body);
                assertTrue(error.at("/error/message").asText().contains("Last-Event-ID"), body);
            }
        }
        // and another session cannot resume this one's stream
        RawMcp other = session("2025-11-25");
        try (Raw get = resume(other, last)) {
            assertEquals(400, get.status());
        }
        other.delete();
        session.delete();
    }

    @Test
    void theGetStreamResumesWhereItLeftOff() throws Exception {
        RawMcp session = session("2025-11-25");
        Event priming;
        Event ping;
        try (Raw get = send("GET", session.sessionId, null)) {
            assertEquals(200, get.status());
            priming = next(get.body());
            assertTrue(priming.isPriming(), String.valueOf(priming));
            ping = next(get.body());
            assertEquals("ping", ping.json().get("method").asText(), ping.toString());
        } // dropped before answering the ping
        try (Raw again = resume(session, priming.id())) {
            assertEquals(200, again.status());
            Event replayed = next(again.body());
            assertEquals(ping, replayed, "the event after the priming one comes again, with its id");
        }
        session.delete();
    }
}
