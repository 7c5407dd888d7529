package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Splits a byte stream into newline-delimited JSON-RPC messages and hands each parsed one on.
 * Lines that are not JSON are ignored here: the SDK answers those itself.
 */
final class JsonRpcLines {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final Consumer<JsonNode> onMessage;

    JsonRpcLines(Consumer<JsonNode> onMessage) {
        this.onMessage = onMessage;
    }

    synchronized void feed(byte[] bytes, int off, int len) {
        for (int i = off; i < off + len; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                flushLine();
            } else {
                line.write(b);
            }
        }
    }

    synchronized void flushLine() {
        if (line.size() == 0) {
            return;
        }
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        try {
            JsonNode node = JSON.readTree(text);
            if (node != null && node.isObject()) {
                onMessage.accept(node);
            } else if (node != null && node.isArray()) {
                node.forEach(onMessage);
            }
        } catch (Exception ignored) {
            // Not JSON: the SDK replies with a parse error; nothing to track.
        }
    }
}
