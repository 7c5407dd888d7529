package dev.kairos.inference.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.ChatClient;
import dev.kairos.inference.ChatRequest;
import dev.kairos.inference.ChatResponse;
import dev.kairos.inference.EngineException;
import dev.kairos.inference.InferenceSettings.Endpoint;
import dev.kairos.inference.StreamListener;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.util.concurrent.ScheduledExecutorService;

/** What both providers share: one HTTP call, the first-token guard, and failures mapped to {@link EngineException}. */
abstract class HttpChatClient implements ChatClient {
    protected final Endpoint endpoint;
    protected final EngineHttp http;
    private final ScheduledExecutorService timer;

    HttpChatClient(Endpoint endpoint, EngineHttp http, ScheduledExecutorService timer) {
        this.endpoint = endpoint;
        this.http = http;
        this.timer = timer;
    }

    abstract String path();

    abstract String body(ChatRequest request, boolean stream);

    /** Reads a streamed answer; returns normally only when the stream ended properly. */
    abstract void readStream(LineReader in, AnswerBuilder answer) throws IOException;

    abstract void readWhole(JsonNode body, AnswerBuilder answer);

    @Override
    public ChatResponse chat(ChatRequest request) {
        AnswerBuilder answer = new AnswerBuilder(StreamListener.IGNORE, request.parallelToolCalls());
        String body = body(request, false);
        InputStream in = http.post(path(), body);
        try (in) {
            JsonNode json = WireJson.MAPPER.readTree(in);
            JsonNode error = json.get("error");
            if (error != null && !error.isNull()) {
                throw new EngineException.Rejected(uri(), 0, error.isTextual() ? error.asText() : WireJson.write(error));
            }
            answer.toolCallDelta(); // a whole answer: its first token is its arrival
            readWhole(json, answer);
        } catch (InterruptedIOException e) {
            throw new EngineException.Cancelled(uri());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new EngineException.Rejected(uri(), 200, "answer is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new EngineException.ConnectionLost(uri(), "answer cut: " + e, false, e);
        }
        return answer.build();
    }

    @Override
    public ChatResponse stream(ChatRequest request, StreamListener listener) {
        AnswerBuilder answer = new AnswerBuilder(listener, request.parallelToolCalls());
        String body = body(request, true);
        CallGuard guard = new CallGuard(timer, endpoint.timeouts().firstToken());
        answer.guardedBy(guard);
        boolean ok = false;
        InputStream in = null;
        try {
            in = http.post(path(), body);
            guard.attach(in);
            readStream(new LineReader(in), answer);
            ok = true;
        } catch (EngineException.Cancelled e) {
            throw guard.timedOut() ? firstTokenTimeout() : e;
        } catch (IOException e) {
            throw translate(e, guard, answer);
        } finally {
            guard.end(ok);
            if (ok) {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // the answer is complete; a failed close only loses the connection for reuse
                }
            }
        }
        return answer.build();
    }

    private EngineException translate(IOException e, CallGuard guard, AnswerBuilder answer) {
        if (guard.timedOut()) {
            return firstTokenTimeout();
        }
        if (e instanceof InterruptedIOException || e.getCause() instanceof InterruptedException
                || Thread.currentThread().isInterrupted()) {
            Thread.currentThread().interrupt();
            return new EngineException.Cancelled(uri());
        }
        return new EngineException.ConnectionLost(uri(), "stream cut mid-answer: " + e.getMessage(), answer.delivered(), e);
    }

    private EngineException firstTokenTimeout() {
        return new EngineException.TimedOut(uri(), "no first token within "
                + endpoint.timeouts().firstToken().toMillis() + " ms; stream closed");
    }

    protected URI uri() {
        return http.base();
    }

    /** The stream ended without its end marker: the connection was cut. */
    protected EngineException.ConnectionLost cutShort(AnswerBuilder answer) {
        return new EngineException.ConnectionLost(uri(), "stream ended before the answer was complete",
                answer.delivered(), null);
    }
}
