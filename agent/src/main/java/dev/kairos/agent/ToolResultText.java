package dev.kairos.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.spec.McpSchema;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns an MCP tool result into what the model reads: text as it is, structured content as JSON,
 * images, audio and resources as a short description with their reference, cut at a stated cap.
 */
public final class ToolResultText {
    // buffers from a shared pool: Jackson's default pool is per thread, and these run on short-lived virtual threads
    private static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .recyclerPool(com.fasterxml.jackson.core.util.JsonRecyclerPools.sharedConcurrentDequePool()).build());

    /** The text the model reads and the structured content, if any. */
    public record Converted(String text, JsonNode structured) {
    }

    private ToolResultText() {
    }

    /** Converts {@code result}; text longer than {@code maxChars} is cut and says so. */
    public static Converted convert(McpSchema.CallToolResult result, int maxChars) {
        JsonNode structured = result.structuredContent() == null ? null : JSON.valueToTree(result.structuredContent());
        List<String> parts = new ArrayList<>();
        boolean anyText = false;
        for (McpSchema.Content c : result.content() == null ? List.<McpSchema.Content>of() : result.content()) {
            switch (c) {
                case McpSchema.TextContent t -> {
                    parts.add(t.text());
                    anyText = true;
                }
                case McpSchema.ImageContent i -> parts.add("[image " + i.mimeType() + ", " + bytes(i.data()) + "]");
                case McpSchema.AudioContent a -> parts.add("[audio " + a.mimeType() + ", " + bytes(a.data()) + "]");
                case McpSchema.ResourceLink l -> parts.add("[resource " + l.uri()
                        + (l.name() == null ? "" : " \"" + l.name() + "\"")
                        + (l.mimeType() == null ? "" : " " + l.mimeType()) + "]");
                case McpSchema.EmbeddedResource r -> parts.add(switch (r.resource()) {
                    case McpSchema.TextResourceContents t -> "[resource " + t.uri()
                            + (t.mimeType() == null ? "" : " " + t.mimeType()) + "]\n" + t.text();
                    case McpSchema.BlobResourceContents b -> "[resource " + b.uri()
                            + (b.mimeType() == null ? "" : " " + b.mimeType()) + ", " + bytes(b.blob()) + "]";
                    default -> "[resource " + r.resource().uri() + "]";
                });
                default -> parts.add("[" + c.type() + " content]");
            }
        }
        // a tool that answers only in structured content is read as its JSON
        if (structured != null && !anyText) {
            try {
                parts.add(JSON.writeValueAsString(structured));
            } catch (JsonProcessingException e) {
                parts.add(structured.toString());
            }
        }
        return new Converted(cap(String.join("\n", parts), maxChars), structured);
    }

    /** Cuts {@code text} to {@code maxChars} with a note saying how much was left out. */
    public static String cap(String text, int maxChars) {
        if (text.length() <= maxChars) {
            return text;
        }
        return text.substring(0, maxChars) + "\n[result cut: " + maxChars + " of " + text.length()
                + " characters shown]";
    }

    private static String bytes(String base64) {
        long n = base64 == null ? 0 : base64.length() * 3L / 4;
        return n < 1024 ? n + " bytes" : (n / 1024) + " KiB";
    }
}
