package dev.kairos.inference.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.ChatClient;
import dev.kairos.inference.ChatRequest;
import dev.kairos.inference.ChatResponse;
import dev.kairos.inference.EngineException;
import dev.kairos.inference.InferenceSettings.Endpoint;
import dev.kairos.inference.StreamListener;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Flow;
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
     * The answer is read on the HTTP client's threads as it arrives (the listener is called there) and
     * this thread waits once for its end; interrupting it cancels the call and closes the stream.
     */
    @Override
    public ChatResponse stream(ChatRequest request, StreamListener listener) {
        AnswerBuilder answer = new AnswerBuilder(listener, request.parallelToolCalls());
        Lines lines;
        try (CallGuard guard = new CallGuard(timer).withFirstToken(endpoint.timeouts().firstToken())) {
            answer.guardedBy(guard);
            lines = new Lines(streamReader(answer), guard);
            try {
                http.postStreaming(path(), body(request, true), lines);
            } catch (EngineException e) {
                CallGuard.Reason why = guard.reason();
                if (why == CallGuard.Reason.NO_FIRST_TOKEN) {
                    throw new EngineException.TimedOut(uri(), "no first token within "
                            + endpoint.timeouts().firstToken().toMillis() + " ms; stream closed");
                }
                if (why == null && !lines.complete) {
                    // once the answer began, a lost connection is a cut stream; one after output was seen says so,
                    // so that it is not retried blindly
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    throw lines.subscribed && e instanceof EngineException.ConnectionLost
                            ? new EngineException.ConnectionLost(uri(), "stream cut mid-answer: " + cause.getMessage(),
                            answer.delivered(), cause)
                            : e;
                }
                // ANSWER_FAILED: thrown below; ANSWER_COMPLETE or a cut after the end marker: the answer is whole
            }
        }
        if (lines.failure != null) {
            throw lines.failure; // the engine's error in the stream, or a listener's own failure
        }
        if (!lines.complete) {
            throw cutShort(answer);
        }
        return answer.build();
    }

    /**
     * The subscriber of one streamed answer. The answer is done at the body's end, which follows the end
     * marker at once: by then the connection is back in the pool for the next step's request (closing a
     * half-read body would drop it). A server that keeps the body open past the marker is cut after
     * {@link #END_WAIT}.
     */
    private static final class Lines implements Flow.Subscriber<String> {
        private static final Duration END_WAIT = Duration.ofMillis(200);
        private final LineSink sink;
        private final CallGuard guard;
        volatile RuntimeException failure;
        /** The end marker was read, or the body ended with the answer complete. */
        volatile boolean complete;
        /** The answer began (a 2xx status): a failure from here on is a cut stream. */
        volatile boolean subscribed;
        private ScheduledFuture<?> endWait;
        private boolean over; // the subscriber's signals come one at a time, so no lock

        Lines(LineSink sink, CallGuard guard) {
            this.sink = sink;
            this.guard = guard;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscribed = true;
            s.request(Long.MAX_VALUE); // each line is handled before the next is read: the reading is the back-pressure
        }

        @Override
        public void onNext(String line) {
            if (over) {
                return;
            }
            try {
                if (sink.line(line)) {
                    over = true;
                    complete = true;
                    endWait = guard.endAfter(CallGuard.Reason.ANSWER_COMPLETE, END_WAIT);
                }
            } catch (RuntimeException e) {
                over = true;
                failure = e;
                guard.end(CallGuard.Reason.ANSWER_FAILED);
            }
        }

        @Override
        public void onError(Throwable t) {
            over = true;
            if (endWait != null) {
                endWait.cancel(false);
            }
        }

        @Override
        public void onComplete() {
            if (endWait != null) {
                endWait.cancel(false);
            }
            if (over) {
                return;
            }
            over = true;
            try {
                sink.end();
                complete = true;
            } catch (RuntimeException e) {
                failure = e;
            }
        }
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
