package dev.kairos.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.http.HttpResponse;

/** Reading the answer to one MCP POST, whichever form the server chose for it. */
public final class HttpAnswers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpAnswers() {
    }

    /**
     * The JSON-RPC response: the body of a JSON answer, or the last {@code data:} line of an SSE one (a
     * request that sent notifications first, or that took long enough for the server to ping its client,
     * is answered as a stream). Null for an empty body or an SSE stream without data.
     */
    public static JsonNode response(HttpResponse<String> answer) throws IOException {
        String text = answer.body();
        if (answer.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
            String[] lines = text.split("\n");
            for (int i = lines.length - 1; i >= 0; i--) {
                if (lines[i].startsWith("data:")) {
                    return JSON.readTree(lines[i].substring(5).strip());
                }
            }
            return null;
        }
        return text.isEmpty() ? null : JSON.readTree(text);
    }
}
