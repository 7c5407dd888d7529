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
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;

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

    /** A reader of one streamed answer into {@code answer}. */
    abstract LineSink streamReader(AnswerBuilder answer);

    abstract void readWhole(JsonNode body, AnswerBuilder answer);

    /** Reads one streamed answer a line at a time, as the lines arrive. */
    interface LineSink {
        /** One line of the body, without its line end; true once the answer's end marker was read. */
        boolean line(String line);

        /** The body ended without the end marker: returns if the answer is complete anyway, else throws. */
        void end();
    }

    @Override
    public ChatResponse chat(ChatRequest request) {
        AnswerBuilder answer = new AnswerBuilder(StreamListener.IGNORE, request.parallelToolCalls());
        String text = http.post(path(), body(request, false));
        JsonNode json;
        try {
            json = WireJson.MAPPER.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new EngineException.Rejected(uri(), 200, "answer is not JSON: " + e.getOriginalMessage());
        }
        JsonNode error = json.get("error");
        if (error != null && !error.isNull()) {
            throw new EngineException.Rejected(uri(), 0, error.isTextual() ? error.asText() : WireJson.write(error));
        }
        answer.toolCallDelta(); // a whole answer: its first token is its arrival
        readWhole(json, answer);
        return answer.build();
    }

    /**
     * The answer is read on this thread (a virtual one; see {@link EngineHttp}) as it arrives, and the
     * listener is called here. Interrupting the thread cancels the call and closes the stream.
     */
    @Override
    public ChatResponse stream(ChatRequest request, StreamListener listener) {
        AnswerBuilder answer = new AnswerBuilder(listener, request.parallelToolCalls());
        LineSink sink = streamReader(answer);
        try (CallGuard guard = new CallGuard(timer).withFirstToken(endpoint.timeouts().firstToken())) {
            answer.guardedBy(guard);
            try {
                http.postStreaming(path(), body(request, true), body -> read(body, sink, answer, guard));
            } catch (EngineException.Cancelled e) {
                if (guard.reason() == CallGuard.Reason.NO_FIRST_TOKEN) {
                    throw new EngineException.TimedOut(uri(), "no first token within "
                            + endpoint.timeouts().firstToken().toMillis() + " ms; stream closed");
                }
                throw e;
            }
        }
        return answer.build();
    }

    /** A server that keeps the body open past the answer's end marker is cut after this. */
    private static final Duration END_WAIT = Duration.ofMillis(200);

    /**
     * Reads the answer's lines into the sink, then the body to its end, which follows the end marker at
     * once: the connection then goes back to the pool for the next step's request (closing a half-read
     * body would drop it).
     */
    private Void read(InputStream body, LineSink sink, AnswerBuilder answer, CallGuard guard) {
        LineReader lines = new LineReader(body);
        ScheduledFuture<?> endWait = null;
        try {
            for (String line; (line = lines.readLine()) != null; ) {
                if (endWait == null && sink.line(line)) {
                    endWait = guard.endAfter(CallGuard.Reason.ANSWER_COMPLETE, END_WAIT);
                }
            }
        } catch (IOException e) {
            if (endWait != null) {
                return null; // the answer is whole; the body was cut after it (by the server, or past END_WAIT)
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new EngineException.Cancelled(uri());
            }
            // once the answer began, a lost connection is a cut stream; one after output was seen says so, so
            // that it is not retried blindly
            throw new EngineException.ConnectionLost(uri(), "stream cut mid-answer: " + e.getMessage(), answer.delivered(), e);
        } finally {
            if (endWait != null) {
                endWait.cancel(false);
            }
        }
        if (endWait == null) {
            sink.end(); // no end marker: throws unless the answer is complete anyway
        }
        return null;
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
