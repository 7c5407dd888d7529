package dev.kairos.transports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** In-process stdio: an overlong line is refused and skipped; batches follow the negotiated revision. */
class StdioBadInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anOverlongLineIsRefusedAndSkippedAndTheNextLineIsServed() throws Exception {
        try (Session s = new Session("2025-06-18", 4096)) {
            s.send("{\"jsonrpc\":\"2.0\",\"id\":50,\"method\":\"ping\",\"params\":{\"pad\":\"" + "x".repeat(100_000) + "\"}}");
            JsonNode refused = s.next();
            assertEquals(-32600, refused.at("/error/code").asInt(), refused.toString());
            assertTrue(refused.get("id").isNull());
            assertTrue(refused.at("/error/message").asText().contains("4096"), refused.toString());
            s.send("{\"jsonrpc\":\"2.0\",\"id\":51,\"method\":\"ping\"}");
            assertEquals(51, s.next().get("id").asInt());
            assertTrue(s.end(), "exits after the answers");
        }
    }

    @Test
    void beforeJune2025ABatchIsAnsweredElementByElement() throws Exception {
        try (Session s = new Session("2025-03-26", 1 << 20)) {
            s.send("[{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"ping\"},{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"ping\"},{\"id\":13}]");
            List<Integer> ids = new ArrayList<>();
            int invalid = 0;
            for (int i = 0; i < 3; i++) {
                JsonNode m = s.next();
                if (m.has("error")) {
                    assertEquals(-32600, m.at("/error/code").asInt());
                    invalid++;
                } else {
                    ids.add(m.get("id").asInt());
                }
            }
            ids.sort(null);
            assertEquals(List.of(11, 12), ids);
            assertEquals(1, invalid);
            assertTrue(s.end());
        }
    }

    @Test
    void fromJune2025ABatchIsAnInvalidRequest() throws Exception {
        try (Session s = new Session("2025-06-18", 1 << 20)) {
            s.send("[{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"ping\"},{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"ping\"}]");
            JsonNode refused = s.next();
            assertEquals(-32600, refused.at("/error/code").asInt());
            assertTrue(refused.get("id").isNull());
            s.send("{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"ping\"}");
            assertEquals(13, s.next().get("id").asInt());
            assertTrue(s.end());
        }
    }

    /** A host fed through a pipe, already initialized with the given revision. */
    private static final class Session implements AutoCloseable {
        final PipedOutputStream stdin = new PipedOutputStream();
        final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
        final StdioHost host;

        Session(String version, int maxLineBytes) throws Exception {
            PipedInputStream in = new PipedInputStream(stdin, 1 << 16);
            OutputStream out = new OutputStream() {
                private final StringBuilder line = new StringBuilder();

                @Override
                public synchronized void write(int b) {
                    if (b == '\n') {
                        stdout.add(line.toString());
                        line.setLength(0);
                    } else {
                        line.append((char) b);
                    }
                }
            };
            host = new StdioHost(new TestFeatures().features(), new LiveServers(), in, out, Duration.ofSeconds(30), maxLineBytes);
            send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"" + version
                    + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
            assertEquals(version, next().at("/result/protocolVersion").asText());
            send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        }

        void send(String line) throws IOException {
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        }

        JsonNode next() throws Exception {
            String line = stdout.poll(30, TimeUnit.SECONDS);
            assertNotNull(line, "an answer within the bound");
            return JSON.readTree(line);
        }

        boolean end() throws Exception {
            stdin.close();
            return host.awaitEndOfInput();
        }

        @Override
        public void close() throws IOException {
            stdin.close();
            host.close();
        }
    }
}
