package dev.kairos.bench.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/** {@code @modelcontextprotocol/server-memory} from npm, driven over its MCP stdio interface (JSON-RPC lines). */
final class ServerMemoryProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final OutputStream in;
    private final BlockingQueue<JsonNode> replies = new ArrayBlockingQueue<>(16);
    private int nextId = 1;

    ServerMemoryProcess(String node, Path script, Path memoryFile) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(node, script.toString());
        pb.environment().put("MEMORY_FILE_PATH", memoryFile.toAbsolutePath().toString());
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        process = pb.start();
        in = process.getOutputStream();
        Thread reader = Thread.ofPlatform().daemon(true).name("server-memory-stdout").start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    JsonNode msg = JSON.readTree(line);
                    if (msg.has("id")) replies.put(msg);
                }
            } catch (IOException | InterruptedException e) {
                // process ended
            }
        });
        call("initialize", Map.of("protocolVersion", "2025-06-18", "capabilities", Map.of(),
                "clientInfo", Map.of("name", "kairos-bench", "version", "1")));
        send(Map.of("jsonrpc", "2.0", "method", "notifications/initialized"));
    }

    JsonNode tool(String name, Object arguments) throws IOException, InterruptedException {
        JsonNode result = call("tools/call", Map.of("name", name, "arguments", arguments));
        if (result.path("isError").asBoolean(false)) throw new IOException(name + " failed: " + result);
        return result;
    }

    private JsonNode call(String method, Object params) throws IOException, InterruptedException {
        int id = nextId++;
        send(Map.of("jsonrpc", "2.0", "id", id, "method", method, "params", params));
        JsonNode reply = replies.poll(10, TimeUnit.MINUTES);
        if (reply == null) throw new IOException(method + ": no reply from server-memory within 10 minutes");
        if (reply.has("error")) throw new IOException(method + ": " + reply.get("error"));
        return reply.get("result");
    }

    private void send(Object msg) throws IOException {
        in.write(JSON.writeValueAsBytes(msg));
        in.write('\n');
        in.flush();
    }

    static Map<String, Object> entity(String name, String type) {
        return Map.of("name", name, "entityType", type, "observations", List.of());
    }

    static ObjectNode relation(String from, String to, String type) {
        return JSON.createObjectNode().put("from", from).put("to", to).put("relationType", type);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
    }
}
