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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real {@code kairos mcp} subprocess: stdout holds only protocol, every request is answered, exit 0. */
class StdioProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void stdoutIsProtocolOnlyAndEveryRequestIsAnsweredBeforeExit(@TempDir Path home) throws Exception {
        ProcessBuilder pb = KairosProcess.builder("mcp");
        pb.environment().put("KAIROS_DATA_DIR", home.resolve("data").toString());
        pb.redirectError(home.resolve("stderr.txt").toFile());
        long spawned = System.nanoTime();
        Process process = pb.start();
        OutputStream stdin = process.getOutputStream();
        CompletableFuture<List<String>> stdout = CompletableFuture.supplyAsync(() -> {
            List<String> lines = new ArrayList<>();
            try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (lines.isEmpty()) {
                        System.err.printf("initialize answered %.0f ms after spawn%n", (System.nanoTime() - spawned) / 1e6);
                    }
                    lines.add(line);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return lines;
        });
        send(stdin, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}}");
        send(stdin, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        send(stdin, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
        send(stdin, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"kairos_status\",\"arguments\":{}}}");
        send(stdin, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"nope/nope\"}");
        send(stdin, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}");
        stdin.close();

        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "exits after stdin closes");
        assertEquals(0, process.exitValue(), "exit code");
        List<String> lines = stdout.get(10, TimeUnit.SECONDS);
        Set<Integer> answered = new TreeSet<>();
        for (String line : lines) {
            JsonNode m = JSON.readTree(line); // throws if anything but JSON reached stdout
            assertEquals("2.0", m.path("jsonrpc").asText(), "protocol line: " + line);
            if (m.has("id") && !m.has("method")) {
                answered.add(m.get("id").asInt());
            }
        }
        assertEquals(Set.of(1, 2, 3, 4, 5), answered, "every request answered");
        JsonNode status = lines.stream().map(StdioProcessTest::parse).filter(m -> m.path("id").asInt() == 3).findFirst().orElseThrow();
        assertEquals("stdio", status.at("/result/structuredContent/transports/0").asText());
        JsonNode unknown = lines.stream().map(StdioProcessTest::parse).filter(m -> m.path("id").asInt() == 4).findFirst().orElseThrow();
        assertEquals(-32601, unknown.at("/error/code").asInt());
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void send(OutputStream out, String line) throws Exception {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
