package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Stands between stdin/stdout and the MCP session: reads stdin on its own thread, answers every
 * line that is not a usable JSON-RPC message itself, hands the rest on through {@link #input()},
 * and tracks requests until their responses are written through {@link #output()}.
 *
 * <p>The SDK's stdio transport stops reading for good at the first line it cannot turn into a
 * message, so no such line may reach it. Because stdin is read here and not by the SDK, end of
 * input is seen whatever the SDK did: it is reported once every request read was answered (or the
 * answer bound passed).
 */
public final class PendingRequests {
    private static final Logger log = LoggerFactory.getLogger(PendingRequests.class);
    private static final byte[] END = new byte[0];

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition answered = lock.newCondition();
    private final Set<String> open = new HashSet<>();
    private final CountDownLatch inputEnded = new CountDownLatch(1);
    private final Duration answerBound;
    private final OutputStream out;
    private final Object writing = new Object();
    private final BlockingQueue<byte[]> accepted = new LinkedBlockingQueue<>();
    private final InputStream input;
    private final OutputStream output;
    private volatile String protocolVersion;
    private volatile boolean allAnswered = true;
    private long lineNumber;
    private final java.util.function.Predicate<JsonNode> cancelled;
    /** Answers 2026-07-28 requests (null: they go to the SDK, which refuses them); set before stdin is read, so
     *  no 2026-07-28 request can reach the session before its route exists. */
    private final StatelessLines stateless;
    /** Threads serving 2026-07-28 requests (listen streams among them), by request id, for notifications/cancelled. */
    private final java.util.Map<String, Thread> statelessCalls = new java.util.concurrent.ConcurrentHashMap<>();

    /** How a stdio line of MCP's stateless 2026-07-28 revision is answered: each message it writes is one line. */
    public interface StatelessLines {
        /** Whether this request belongs to the stateless revision (server/discover, or a stateless version in _meta). */
        boolean claims(JsonNode request);

        /** Answers the request, writing notifications and the response through {@code write}; blocks until done. */
        void answer(JsonNode request, java.util.function.Consumer<JsonNode> write);

        /** Whether the request is a long-lived stream that must not hold up the end of input. */
        boolean streams(JsonNode request);

        /** Ends the long-lived streams (stdin has ended). */
        void endStreams();
    }
    /** Progress tokens of the tool calls still open, by request id. */
    private final java.util.Map<String, JsonNode> tokens = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param maxLineBytes longest line read from {@code in}; a longer one is answered with an error
     *                     and skipped without being held in memory
     * @param cancelled    told the progress token of a {@code tools/call} its client cancelled with
     *                     {@code notifications/cancelled} (calls without a token cannot be told apart)
     * @param stateless    how 2026-07-28 requests are answered instead of by the SDK session, or null
     */
    public PendingRequests(InputStream in, OutputStream out, Duration answerBound, int maxLineBytes,
                           java.util.function.Predicate<JsonNode> cancelled, StatelessLines stateless) {
        this.cancelled = cancelled;
        this.stateless = stateless;
        this.answerBound = answerBound;
        this.out = out;
        JsonRpcLines requests = new JsonRpcLines(maxLineBytes, new JsonRpcLines.Receiver() {
            @Override
            public void line(byte[] bytes, int length) {
                onLine(bytes, length);
            }

            @Override
            public void tooLong(long limit) {
                lineNumber++;
                refuse(new InboundLine.Refused(NullNode.getInstance(), -32600,
                        "Invalid Request: the line is longer than " + limit + " bytes; it was skipped"));
            }
        });
        JsonRpcLines responses = new JsonRpcLines(Integer.MAX_VALUE, new JsonRpcLines.Receiver() {
            @Override
            public void line(byte[] bytes, int length) {
                JsonNode message = parse(bytes, length);
                // the version first: a client may send its next line (a batch, say) as soon as it reads this one
                noteVersion(message);
                writeLine(bytes, length);
                onResponse(message);
            }

            @Override
            public void tooLong(long limit) {
                // never: no limit on what we write
            }
        });
        this.input = new AcceptedInput();
        this.output = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    responses.feed(b, off, len);
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
            }

            @Override
            public void flush() throws IOException {
                synchronized (writing) {
                    out.flush();
                }
            }
        };
        Thread.ofPlatform().daemon().name("kairos-stdin").start(() -> readAll(in, requests));
    }

    /** What the MCP session reads: only well-formed messages, one per line. */
    public InputStream input() {
        return input;
    }

    /** Where the MCP session writes; each line reaches the real output whole. */
    public OutputStream output() {
        return output;
    }

    public static String idKey(JsonNode id) {
        return id.isTextual() ? "s:" + id.asText() : "n:" + id.toString();
    }

    private void readAll(InputStream in, JsonRpcLines lines) {
        byte[] buffer = new byte[64 * 1024];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                lines.feed(buffer, 0, n);
            }
        } catch (IOException e) {
            log.warn("stdin could not be read ({}); treating it as ended", e.getMessage());
        } catch (RuntimeException e) {
            log.error("stdin reader failed; treating input as ended", e);
        }
        try {
            lines.finish();
        } catch (RuntimeException e) {
            log.error("last stdin line failed", e);
        }
        StatelessLines streams = stateless;
        if (streams != null) {
            streams.endStreams();
        }
        awaitAnswers();
        accepted.add(END);
    }

    private void onLine(byte[] bytes, int length) {
        lineNumber++;
        switch (InboundLine.judge(bytes, length, protocolVersion)) {
            case InboundLine.Message m -> pass(m, bytes, length);
            case InboundLine.Refused r -> refuse(r);
            case InboundLine.Dropped d -> log.warn("stdin line {} ignored: {}", lineNumber, d.why());
            case InboundLine.Batch b -> {
                for (JsonNode element : b.elements()) {
                    switch (InboundLine.judgeMessage(element)) {
                        case InboundLine.Message m -> {
                            byte[] one = bytesOf(element);
                            pass(m, one, one.length);
                        }
                        case InboundLine.Refused r -> refuse(r);
                        case InboundLine.Dropped d -> log.warn("stdin line {}: batch element ignored: {}", lineNumber, d.why());
                        case InboundLine.Batch nested -> refuse(new InboundLine.Refused(
                                NullNode.getInstance(), -32600, "Invalid Request: a batch inside a batch"));
                    }
                }
            }
        }
    }

    private void pass(InboundLine.Message message, byte[] bytes, int length) {
        noteCancellation(message.node());
        StatelessLines lines = stateless;
        if (lines != null && message.request() && lines.claims(message.node())) {
            answerStateless(lines, message.node());
            return;
        }
        if (message.request()) {
            lock.lock();
            try {
                open.add(idKey(message.node().get("id")));
            } finally {
                lock.unlock();
            }
        }
        byte[] line = Arrays.copyOf(bytes, length + 1);
        // A bare CR can only be whitespace between tokens here, but the SDK's reader ends a line at it.
        for (int i = 0; i < length; i++) {
            if (line[i] == '\r') {
                line[i] = ' ';
            }
        }
        line[length] = '\n';
        accepted.add(line);
    }

    private void answerStateless(StatelessLines lines, JsonNode request) {
        String key = idKey(request.get("id"));
        boolean streams = lines.streams(request);
        if (!streams) {
            lock.lock();
            try {
                open.add(key);
            } finally {
                lock.unlock();
            }
        }
        statelessCalls.put(key, Thread.ofVirtual().name("kairos-stdio-" + key).start(() -> {
            try {
                lines.answer(request, message -> {
                    byte[] bytes = bytesOf(message);
                    writeLine(bytes, bytes.length);
                    synchronized (writing) {
                        try {
                            out.flush();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                });
            } catch (UncheckedIOException e) {
                log.warn("stdout could not be written: {}", e.getMessage());
            } finally {
                statelessCalls.remove(key);
                if (!streams) {
                    lock.lock();
                    try {
                        open.remove(key);
                        if (open.isEmpty()) {
                            answered.signalAll();
                        }
                    } finally {
                        lock.unlock();
                    }
                }
            }
        }));
    }

    private void refuse(InboundLine.Refused refused) {
        log.warn("stdin line {} refused ({}): {}", lineNumber, refused.code(), refused.message());
        ObjectNode reply = InboundLine.JSON.createObjectNode();
        reply.put("jsonrpc", "2.0");
        reply.set("id", refused.id());
        reply.putObject("error").put("code", refused.code()).put("message", refused.message());
        byte[] bytes = bytesOf(reply);
        try {
            writeLine(bytes, bytes.length);
            synchronized (writing) {
                out.flush();
            }
        } catch (IOException | UncheckedIOException e) {
            log.warn("stdout could not be written: {}", e.getMessage());
        }
    }

    /** The SDK does not stop a tool call on notifications/cancelled: tell whoever runs it, by its progress token. */
    private void noteCancellation(JsonNode message) {
        JsonNode id = message.get("id");
        String method = message.path("method").asText("");
        if (method.equals("tools/call") && id != null && !id.isNull()) {
            JsonNode token = message.path("params").path("_meta").get("progressToken");
            if (token != null && !token.isNull()) {
                tokens.put(idKey(id), token);
            }
        } else if (method.equals("notifications/cancelled")) {
            JsonNode requestId = message.path("params").get("requestId");
            Thread statelessCall = requestId == null ? null : statelessCalls.get(idKey(requestId));
            if (statelessCall != null) {
                // a 2026-07-28 request (or listen stream) the client gave up on
                statelessCall.interrupt();
            }
            JsonNode token = requestId == null ? null : tokens.remove(idKey(requestId));
            if (token != null) {
                cancelled.test(token);
            }
        }
    }

    private static byte[] bytesOf(JsonNode node) {
        try {
            return InboundLine.JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeLine(byte[] bytes, int length) {
        synchronized (writing) {
            try {
                out.write(bytes, 0, length);
                out.write('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static JsonNode parse(byte[] bytes, int length) {
        try {
            return InboundLine.JSON.readTree(bytes, 0, length);
        } catch (IOException e) {
            return null;
        }
    }

    /** The version the session negotiated, from the answer to initialize. */
    private void noteVersion(JsonNode message) {
        if (message == null || !message.isObject() || message.has("method")) {
            return;
        }
        JsonNode version = message.path("result").path("protocolVersion");
        if (version.isTextual() && message.path("result").has("serverInfo")) {
            protocolVersion = version.textValue();
        }
    }

    private void onResponse(JsonNode message) {
        if (message == null || !message.isObject() || message.has("method")) {
            return;
        }
        JsonNode id = message.get("id");
        if (id != null && !id.isNull()) {
            lock.lock();
            try {
                tokens.remove(idKey(id));
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

    /** The accepted lines as a stream; it ends only after stdin ended and the answers were written. */
    private final class AcceptedInput extends InputStream {
        private byte[] current = new byte[0];
        private int position;
        private boolean ended;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (position == current.length) {
                if (ended) {
                    return -1;
                }
                try {
                    current = accepted.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("stdin reading interrupted");
                }
                position = 0;
                if (current == END) {
                    ended = true;
                    accepted.add(END);
                }
            }
            int n = Math.min(len, current.length - position);
            System.arraycopy(current, position, b, off, n);
            position += n;
            return n;
        }
    }
}
