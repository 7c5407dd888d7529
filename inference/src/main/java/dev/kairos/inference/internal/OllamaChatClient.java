package dev.kairos.inference.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.ChatRequest;
import dev.kairos.inference.EngineException;
import dev.kairos.inference.FinishReason;
import dev.kairos.inference.InferenceSettings.Endpoint;
import dev.kairos.inference.Usage;

import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;

/** Ollama's native {@code /api/chat}, streamed as NDJSON; tool calls arrive whole, arguments as objects. */
public final class OllamaChatClient extends HttpChatClient {

    public OllamaChatClient(Endpoint endpoint, EngineHttp http, ScheduledExecutorService timer) {
        super(endpoint, http, timer);
    }

    @Override
    String path() {
        return "/api/chat";
    }

    @Override
    String body(ChatRequest request, boolean stream) {
        return WireJson.write(WireRequest.ollama(request, endpoint.model(), stream));
    }

    @Override
    LineSink streamReader(AnswerBuilder answer) {
        return new LineSink() {
            @Override
            public boolean line(String line) {
                if (line.isBlank()) {
                    return false;
                }
                JsonNode chunk;
                try {
                    chunk = WireJson.MAPPER.readTree(line);
                } catch (IOException e) {
                    throw new EngineException.Rejected(uri(), 200, "unreadable stream line: " + OpenAiChatClient.abbreviate(line));
                }
                if (chunk.hasNonNull("error")) {
                    throw new EngineException.Rejected(uri(), 0, "error in stream: " + WireJson.text(chunk, "error"));
                }
                message(chunk, answer);
                if (chunk.path("done").asBoolean(false)) {
                    done(chunk, answer);
                    return true;
                }
                return false;
            }

            @Override
            public void end() {
                throw cutShort(answer);
            }
        };
    }

    @Override
    void readWhole(JsonNode body, AnswerBuilder answer) {
        message(body, answer);
        done(body, answer);
    }

    private static void message(JsonNode chunk, AnswerBuilder answer) {
        JsonNode msg = chunk.get("message");
        if (msg == null) {
            return;
        }
        answer.reasoning(WireJson.text(msg, "thinking"));
        answer.content(WireJson.text(msg, "content"));
        JsonNode calls = msg.get("tool_calls");
        if (calls != null && calls.isArray()) {
            // Each chunk carries complete calls: append them (tool_calls.extend), never merge.
            for (JsonNode c : calls) {
                JsonNode fn = c.path("function");
                answer.toolCallDelta();
                answer.toolCalls().addWhole(WireJson.text(c, "id"), WireJson.text(fn, "name"), fn.get("arguments"));
            }
        }
    }

    private static void done(JsonNode chunk, AnswerBuilder answer) {
        answer.usage(new Usage(WireJson.integer(chunk, "prompt_eval_count"), WireJson.integer(chunk, "eval_count")));
        String reason = WireJson.text(chunk, "done_reason");
        answer.finish(reason == null ? FinishReason.STOP : FinishReason.of(reason));
    }
}
