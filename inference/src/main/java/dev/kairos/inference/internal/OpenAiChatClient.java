package dev.kairos.inference.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.ChatRequest;
import dev.kairos.inference.EngineException;
import dev.kairos.inference.FinishReason;
import dev.kairos.inference.InferenceSettings.Endpoint;
import dev.kairos.inference.InferenceSettings.Engine;
import dev.kairos.inference.Usage;

import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;

/** OpenAI-compatible Chat Completions (vLLM, SGLang, llama.cpp, LM Studio, Ollama /v1), streamed as SSE. */
public final class OpenAiChatClient extends HttpChatClient {
    private final Engine engine;

    public OpenAiChatClient(Endpoint endpoint, Engine engine, EngineHttp http, ScheduledExecutorService timer) {
        super(endpoint, http, timer);
        this.engine = engine == Engine.AUTO ? Engine.GENERIC : engine;
    }

    @Override
    String path() {
        return "/v1/chat/completions";
    }

    @Override
    String body(ChatRequest request, boolean stream) {
        return WireJson.write(WireRequest.openAi(request, endpoint.model(), engine, stream));
    }

    @Override
    LineSink streamReader(AnswerBuilder answer) {
        StringBuilder data = new StringBuilder();
        return new LineSink() {
            @Override
            public boolean line(String line) {
                if (line.isEmpty()) {
                    boolean end = !data.isEmpty() && event(data.toString(), answer);
                    data.setLength(0);
                    return end;
                }
                if (line.startsWith("data:")) {
                    if (!data.isEmpty()) {
                        data.append('\n');
                    }
                    data.append(line, line.length() > 5 && line.charAt(5) == ' ' ? 6 : 5, line.length());
                }
                // ":" comments (keep-alives), "event:", "id:" and "retry:" lines carry nothing we use.
                return false;
            }

            @Override
            public void end() {
                if (!data.isEmpty() && event(data.toString(), answer)) {
                    return;
                }
                if (!answer.finished()) {
                    throw cutShort(answer);
                }
            }
        };
    }

    /** Handles one SSE event; true at {@code [DONE]}. */
    private boolean event(String data, AnswerBuilder answer) {
        if (data.equals("[DONE]")) {
            if (!answer.finished() && !answer.delivered()) {
                throw cutShort(answer);
            }
            return true;
        }
        JsonNode chunk;
        try {
            chunk = WireJson.MAPPER.readTree(data);
        } catch (IOException e) {
            throw new EngineException.Rejected(uri(), 200, "unreadable stream event: " + abbreviate(data));
        }
        JsonNode error = chunk.get("error");
        if (error != null && !error.isNull()) {
            String msg = error.isTextual() ? error.asText() : WireJson.text(error, "message");
            throw new EngineException.Rejected(uri(), WireJson.integer(error, "code"), "error in stream: " + msg);
        }
        JsonNode choices = chunk.get("choices");
        if (choices != null && choices.size() > 0) {
            JsonNode choice = choices.get(0);
            JsonNode delta = choice.get("delta");
            if (delta != null) {
                String reasoning = WireJson.text(delta, "reasoning_content");
                answer.reasoning(reasoning != null ? reasoning : WireJson.text(delta, "reasoning"));
                answer.content(WireJson.text(delta, "content"));
                JsonNode calls = delta.get("tool_calls");
                if (calls != null && calls.isArray()) {
                    for (JsonNode entry : calls) {
                        answer.toolCallDelta();
                        answer.toolCalls().add(entry);
                    }
                }
            }
            String finish = WireJson.text(choice, "finish_reason");
            if (finish != null) {
                answer.finish(FinishReason.of(finish));
            }
        }
        answer.usage(usage(chunk.get("usage")));
        return false;
    }

    @Override
    void readWhole(JsonNode body, AnswerBuilder answer) {
        JsonNode choices = body.get("choices");
        if (choices == null || choices.isEmpty()) {
            throw new EngineException.Rejected(uri(), 200, "answer has no choices: " + abbreviate(WireJson.write(body)));
        }
        JsonNode choice = choices.get(0);
        JsonNode msg = choice.get("message");
        if (msg != null) {
            String reasoning = WireJson.text(msg, "reasoning_content");
            answer.reasoning(reasoning != null ? reasoning : WireJson.text(msg, "reasoning"));
            answer.content(WireJson.text(msg, "content"));
            JsonNode calls = msg.get("tool_calls");
            if (calls != null && calls.isArray()) {
                int i = 0;
                for (JsonNode entry : calls) {
                    // Non-streamed calls have no index; their position is their index.
                    com.fasterxml.jackson.databind.node.ObjectNode e = entry.deepCopy();
                    if (!e.hasNonNull("index")) {
                        e.put("index", i);
                    }
                    answer.toolCalls().add(e);
                    i++;
                }
            }
        }
        answer.finish(FinishReason.of(WireJson.text(choice, "finish_reason")));
        answer.usage(usage(body.get("usage")));
    }

    static Usage usage(JsonNode u) {
        if (u == null || !u.isObject()) {
            return null;
        }
        return new Usage(WireJson.integer(u, "prompt_tokens"), WireJson.integer(u, "completion_tokens"));
    }

    static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
