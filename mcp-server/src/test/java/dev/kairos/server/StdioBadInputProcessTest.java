package dev.kairos.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.server.testing.KairosProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real {@code kairos mcp} subprocess fed lines that are not usable requests: each gets its JSON-RPC
 * error, the ping after it is still answered, and the process exits 0 once stdin closes.
 */
class StdioBadInputProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A line as bytes, and the error code it must get (0: no answer at all). */
    private record Bad(String name, byte[] line, int code, Integer id) {
        static Bad of(String text, int code, Integer id) {
            return new Bad(text.length() > 60 ? text.substring(0, 60) + "…" : text, text.getBytes(StandardCharsets.UTF_8), code, id);
        }
    }

    @Test
    void noLineStopsTheServerAndEofEndsItWithExitZero(@TempDir Path home) throws Exception {
        List<Bad> cases = List.of(
                Bad.of("garbage", -32700, null),
                Bad.of("{", -32700, null),
                Bad.of("[]", -32600, null),
                Bad.of("null", -32600, null),
                Bad.of("42", -32600, null),
                Bad.of("{\"jsonrpc\": \"2.0\", \"id\": 4, \"method\": ", -32700, null),
                Bad.of("{\"jsonrpc\":\"2.0\",\"id\":5}", -32600, 5),
                Bad.of("{\"jsonrpc\":\"2.0\",\"id\":6,\"params\":{}}", -32600, 6),
                Bad.of("{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"ping\"}", -32600, null),
                Bad.of("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", -32600, null),
                Bad.of("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}", -32600, null),
                Bad.of("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}", -32600, null),
                Bad.of("[{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"ping\"},{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"ping\"}]", -32600, null),
                new Bad("invalid UTF-8", new byte[]{'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, (byte) 0xFF, '"', '}'}, -32700, null),
                new Bad("bare invalid bytes", new byte[]{(byte) 0xFE, (byte) 0xFF, (byte) 0x80}, -32700, null),
                new Bad("a NUL byte", new byte[]{0}, -32700, null),
                new Bad("NUL inside a request", "{\"jsonrpc\":\"2.0\",\"id\":7,\u0000\"method\":\"ping\"}".getBytes(StandardCharsets.UTF_8), -32700, null),
                Bad.of("[".repeat(100_000), -32700, null),
                Bad.of("{\"jsonrpc\":\"1.0\",\"id\":8,\"method\":\"ping\"}", -32600, 8),
                Bad.of("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":42}", -32600, 9),
                Bad.of("{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"ping\"} {}", -32700, null));

        ProcessBuilder pb = KairosProcess.builder("mcp");
        pb.environment().putAll(KairosProcess.NO_MEMORY);
        pb.redirectError(home.resolve("stderr.txt").toFile());
        Process process = pb.start();
        try {
            BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
            Thread reader = Thread.ofVirtual().start(() -> {
                try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        stdout.add(line);
                    }
                } catch (Exception ignored) {
                    // the process ended
                }
            });
            OutputStream stdin = process.getOutputStream();
            send(stdin, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}}".getBytes(StandardCharsets.UTF_8));
            assertEquals("2025-06-18", next(stdout).at("/result/protocolVersion").asText());
            send(stdin, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}".getBytes(StandardCharsets.UTF_8));

            int pingId = 1000;
            for (Bad bad : cases) {
                send(stdin, bad.line());
                pingId++;
                send(stdin, ("{\"jsonrpc\":\"2.0\",\"id\":" + pingId + ",\"method\":\"ping\"}").getBytes(StandardCharsets.UTF_8));
                // The error and the ping's answer may come in either order.
                JsonNode error = null;
                JsonNode pong = null;
                for (int i = 0; i < 2; i++) {
                    JsonNode m = next(stdout);
                    assertEquals("2.0", m.path("jsonrpc").asText(), bad.name() + ": " + m);
                    if (m.has("error")) {
                        assertEquals(null, error, bad.name() + ": one error only, got " + m);
                        error = m;
                    } else {
                        pong = m;
                    }
                }
                assertNotNull(error, bad.name() + ": an error");
                assertNotNull(pong, bad.name() + ": the ping after it is answered");
                assertEquals(pingId, pong.get("id").asInt(), bad.name());
                assertTrue(pong.get("result").isObject(), bad.name() + ": " + pong);
                assertEquals(bad.code(), error.at("/error/code").asInt(), bad.name() + ": " + error);
                if (bad.id() == null) {
                    assertTrue(error.get("id").isNull(), bad.name() + ": id null, got " + error);
                } else {
                    assertEquals(bad.id().intValue(), error.get("id").asInt(), bad.name() + ": " + error);
                }
                String message = error.at("/error/message").asText();
                assertFalse(message.contains("java.") || message.contains("Exception"), bad.name() + ": no internals in " + message);
            }
            // A request read just before EOF is still answered, then the process exits 0.
            send(stdin, "{\"jsonrpc\":\"2.0\",\"id\":2000,\"method\":\"ping\"}".getBytes(StandardCharsets.UTF_8));
            send(stdin, "garbage again".getBytes(StandardCharsets.UTF_8));
            stdin.close();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "exits after stdin closes");
            assertEquals(0, process.exitValue(), "exit code");
            reader.join(java.time.Duration.ofSeconds(10));
            List<JsonNode> last = new ArrayList<>();
            for (String line : stdout) {
                last.add(JSON.readTree(line));
            }
            assertTrue(last.stream().anyMatch(m -> m.path("id").asInt() == 2000 && m.has("result")), "last ping answered: " + last);
            assertTrue(last.stream().anyMatch(m -> m.at("/error/code").asInt() == -32700), "last garbage answered: " + last);
            String stderr = Files.readString(home.resolve("stderr.txt"));
            assertFalse(stderr.contains("\tat "), "no stack traces on stderr for bad input:\n" + stderr);
        } finally {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static JsonNode next(BlockingQueue<String> stdout) throws Exception {
        String line = stdout.poll(30, TimeUnit.SECONDS);
        assertNotNull(line, "an answer within the bound");
        return JSON.readTree(line);
    }

    private static void send(OutputStream out, byte[] line) throws Exception {
        out.write(line);
        out.write('\n');
        out.flush();
    }
}
