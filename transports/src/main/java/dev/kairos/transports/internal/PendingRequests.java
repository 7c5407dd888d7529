package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Tracks JSON-RPC requests read from an input stream until their responses are written to an
 * output stream, and holds back end-of-input until every request read has been answered.
 */
public final class PendingRequests {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition answered = lock.newCondition();
    private final Set<String> open = new HashSet<>();
    private final CountDownLatch inputEnded = new CountDownLatch(1);
    private final Duration answerBound;
    private final InputStream input;
    private final OutputStream output;
    private volatile boolean allAnswered = true;
    private final java.util.function.Predicate<JsonNode> cancelled;
    /** Progress tokens of the tool calls still open, by request id. */
    private final java.util.Map<String, JsonNode> tokens = new java.util.concurrent.ConcurrentHashMap<>();

    public PendingRequests(InputStream in, OutputStream out, Duration answerBound) {
        this(in, out, answerBound, token -> false);
    }

    /**
     * @param cancelled told the progress token of a {@code tools/call} its client cancelled with
     *                  {@code notifications/cancelled} (calls without a token cannot be told apart)
     */
    public PendingRequests(InputStream in, OutputStream out, Duration answerBound,
                           java.util.function.Predicate<JsonNode> cancelled) {
        this.cancelled = cancelled;
        this.answerBound = answerBound;
        JsonRpcLines requests = new JsonRpcLines(this::onRequest);
        JsonRpcLines responses = new JsonRpcLines(this::onResponse);
        this.input = new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n < 0) {
                    requests.flushLine();
                    awaitAnswers();
                    return -1;
                }
                requests.feed(b, off, n);
                return n;
            }
        };
        this.output = new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                responses.feed(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                out.flush();
            }
        };
    }

    public InputStream input() {
        return input;
    }

    public OutputStream output() {
        return output;
    }

    public static String idKey(JsonNode id) {
        return id.isTextual() ? "s:" + id.asText() : "n:" + id.toString();
    }

    private void onRequest(JsonNode message) {
        JsonNode id = message.get("id");
        String method = message.path("method").asText("");
        if (method.equals("tools/call") && id != null && !id.isNull()) {
            JsonNode token = message.path("params").path("_meta").get("progressToken");
            if (token != null && !token.isNull()) {
                tokens.put(idKey(id), token);
            }
        } else if (method.equals("notifications/cancelled")) {
            JsonNode requestId = message.path("params").get("requestId");
            JsonNode token = requestId == null ? null : tokens.remove(idKey(requestId));
            if (token != null) {
                cancelled.test(token);
            }
        }
        if (id != null && !id.isNull() && message.hasNonNull("method")) {
            lock.lock();
            try {
                open.add(idKey(id));
            } finally {
                lock.unlock();
            }
        }
    }

    private void onResponse(JsonNode message) {
        JsonNode id = message.get("id");
        if (id != null && !id.isNull() && !message.has("method")) {
            tokens.remove(idKey(id));
            lock.lock();
            try {
                open.remove(idKey(id));
                if (open.isEmpty()) {
                    answered.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private void awaitAnswers() {
        long nanos = answerBound.toNanos();
        lock.lock();
        try {
            while (!open.isEmpty() && nanos > 0) {
                nanos = answered.awaitNanos(nanos);
            }
            allAnswered = open.isEmpty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            allAnswered = false;
        } finally {
            lock.unlock();
            inputEnded.countDown();
        }
    }

    /** Blocks until the input has ended; returns whether every request was answered. */
    public boolean awaitInputEnded() throws InterruptedException {
        inputEnded.await();
        return allAnswered;
    }

    /** Like {@link #awaitInputEnded()} with a bound; false when the input has not ended. */
    public boolean awaitInputEnded(Duration bound) throws InterruptedException {
        return inputEnded.await(bound.toMillis(), TimeUnit.MILLISECONDS) && allAnswered;
    }

    public int unanswered() {
        lock.lock();
        try {
            return open.size();
        } finally {
            lock.unlock();
        }
    }
}
