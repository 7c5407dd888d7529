package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.common.McpTransportContext;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * MCP's stateless 2026-07-28 revision on the Streamable HTTP endpoint, wrapped around the
 * session-based endpoint: a POST without a session whose {@code MCP-Protocol-Version} header (or, when
 * the header is missing, whose {@code _meta}) names a revision other than the session-based ones is
 * answered here; everything else passes on unchanged, with its body intact.
 *
 * <p>Here the revision's transport rules are checked — the standard headers must match the body
 * ({@code -32020}), and so must the {@code Mcp-Param-*} headers of a tool whose parameters carry
 * {@code x-mcp-header} ({@link ParamHeaders#mismatch}), the version must be one we serve ({@code -32022}) — and the answer is one JSON body,
 * or an SSE stream when the handler sends notifications first or takes long enough for its client to be
 * pinged ({@link ClientWatch}: a client that closed its connection cancels its request).
 * {@code subscriptions/listen} keeps its
 * stream open for the changes the client opted in to.
 */
public final class StatelessEndpoint extends Handler.Wrapper {
    private static final HttpField JSON_TYPE = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");
    private static final HttpField SSE_TYPE = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "text/event-stream");
    private static final HttpField NO_CACHE = new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, "no-cache");
    private static final HttpField NO_BUFFERING = new PreEncodedHttpField("X-Accel-Buffering", "no");
    private static final String SESSION_HEADER = "Mcp-Session-Id";
    private static final String VERSION_HEADER = "MCP-Protocol-Version";
    /** The longest a request is answered before its client is first pinged (see {@link ClientWatch}). */
    private static final Duration WATCH_EVERY = Duration.ofSeconds(5);

    private final String path;
    private final ObjectMapper json;
    private final StatelessDispatcher dispatcher;
    private final Subscriptions subscriptions;
    private final int maxRequestBytes;
    private final Function<Request, McpTransportContext> contextOf;
    private final Function<Request, String> principalOf;
    private final BiPredicate<Request, String> mayWatch;

    /**
     * @param mayWatch whether the request's caller may subscribe to a resource: only to what it may read,
     *                 so a listen stream tells nobody of another tenant's changes
     */
    public StatelessEndpoint(Handler next, String path, ObjectMapper json, StatelessDispatcher dispatcher,
                             Subscriptions subscriptions, int maxRequestBytes,
                             Function<Request, McpTransportContext> contextOf, Function<Request, String> principalOf,
                             BiPredicate<Request, String> mayWatch) {
        super(next);
        this.path = path;
        this.json = json;
        this.dispatcher = dispatcher;
        this.subscriptions = subscriptions;
        this.maxRequestBytes = maxRequestBytes;
        this.contextOf = contextOf;
        this.principalOf = principalOf;
        this.mayWatch = mayWatch;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!"POST".equals(request.getMethod()) || !path.equals(Request.getPathInContext(request))
                || request.getHeaders().get(SESSION_HEADER) != null) {
            return super.handle(request, response, callback);
        }
        String headerVersion = trimmed(request.getHeaders().get(VERSION_HEADER));
        if (headerVersion != null && !Revision2026.isStateless(headerVersion)) {
            return super.handle(request, response, callback);
        }
        ByteBuffer body;
        try {
            body = StreamableEndpoint.readBody(request, maxRequestBytes);
        } catch (StreamableEndpoint.TooLarge e) {
            // the rest of the body may still be on its way: this connection cannot carry another request
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            write(response, callback, 413, dispatcher.error(null, 413, -32600,
                    "Request body larger than " + maxRequestBytes + " bytes", null).body());
            return true;
        }
        JsonNode message;
        try {
            message = json.readTree(body.array(), body.arrayOffset() + body.position(), body.remaining());
        } catch (IOException e) {
            message = null;
        }
        String metaVersion = message == null ? null : trimmed(message.path("params").path("_meta").path(Revision2026.META_VERSION).asText(null));
        if (headerVersion == null && metaVersion == null) {
            // an older client (or a malformed body): the session endpoint answers it as it always has
            return super.handle(replay(request, body), response, callback);
        }
        if (message == null || !message.isObject() || !message.path("method").isTextual()) {
            write(response, callback, 400, dispatcher.error(message == null ? null : message.get("id"), 400, -32600,
                    "Invalid request: a 2026-07-28 POST carries one JSON-RPC request", null).body());
            return true;
        }
        JsonNode id = message.get("id");
        if (id == null) {
            // this revision defines no client notifications over HTTP
            response.setStatus(202);
            response.write(true, null, callback);
            return true;
        }
        String mismatch = headerMismatch(request, message, headerVersion, metaVersion);
        if (mismatch == null && "tools/call".equals(message.get("method").asText())) {
            mismatch = ParamHeaders.mismatch(dispatcher.paramHeaders(message.path("params").path("name").asText()),
                    message.path("params").path("arguments"), name -> request.getHeaders().get(name));
        }
        if (mismatch != null) {
            write(response, callback, 400, dispatcher.error(id, 400, Revision2026.HEADER_MISMATCH, mismatch, null).body());
            return true;
        }
        if ("subscriptions/listen".equals(message.get("method").asText())) {
            for (JsonNode uri : message.path("params").path("notifications").path("resourceSubscriptions")) {
                if (!mayWatch.test(request, uri.asText())) {
                    // the same answer a read of it gets: the caller learns nothing it could not read
                    write(response, callback, 400, dispatcher.error(id, 400, Revision2026.INVALID_PARAMS,
                            "Resource not found: " + uri.asText(), json.createObjectNode().put("uri", uri.asText())).body());
                    return true;
                }
            }
            SseStream stream = new SseStream(response);
            subscriptions.listen(message, stream);
            stream.end();
            callback.succeeded();
            return true;
        }
        SseStream stream = new SseStream(response);
        StatelessDispatcher.Answer answer;
        try (ClientWatch ignored = acceptsSse(request) ? new ClientWatch(request.getComponents().getScheduler(), stream,
                watchEvery()) : null) {
            answer = dispatcher.handle(message, contextOf.apply(request), principalOf.apply(request), stream::send);
        }
        if (stream.endUnstarted()) {
            write(response, callback, answer.httpStatus(), answer.body());
        } else {
            stream.send(answer.body());
            stream.end();
            callback.succeeded();
        }
        return true;
    }

    /** How often a request still being answered pings its client: the keep-alive interval, at most {@link #WATCH_EVERY}. */
    private Duration watchEvery() {
        return subscriptions.keepAlive().compareTo(WATCH_EVERY) < 0 ? subscriptions.keepAlive() : WATCH_EVERY;
    }

    private static boolean acceptsSse(Request request) {
        String accept = request.getHeaders().get(HttpHeader.ACCEPT);
        return accept != null && (accept.contains("text/event-stream") || accept.contains("*/*"));
    }

    /**
     * Notices a client that closed its connection while its request is still being answered. Over HTTP the
     * 2026-07-28 revision has no {@code notifications/cancelled}: a client cancels by closing the connection,
     * and only a write tells the server. So once a request has taken {@code every}, its answer becomes an SSE
     * stream carrying a comment every {@code every} (a quick answer stays one JSON body), and a write that
     * fails interrupts the thread answering, as {@code notifications/cancelled} does on stdio: an
     * {@code agent_run} then stops its run and the run's calls downstream. A closed connection fails the
     * second write after it at the latest.
     */
    private static final class ClientWatch implements AutoCloseable {
        private final Thread answering = Thread.currentThread();
        private final SseStream stream;
        private final Duration every;
        private final Scheduler.Task first;
        private boolean over; // guarded by this
        private boolean interrupted;

        ClientWatch(Scheduler scheduler, SseStream stream, Duration every) {
            this.stream = stream;
            this.every = every;
            // the pings run on a virtual thread of their own: a write to a slow client must not hold the scheduler
            this.first = scheduler.schedule(() -> Thread.ofVirtual().name("kairos-client-watch").start(this::ping),
                    every.toMillis(), TimeUnit.MILLISECONDS);
        }

        private void ping() {
            try {
                while (!isOver() && stream.keepAlive()) {
                    Thread.sleep(every); // ends at most one interval after the answer
                }
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (!over) {
                    interrupted = true;
                    answering.interrupt();
                }
            }
        }

        private synchronized boolean isOver() {
            return over;
        }

        @Override
        public synchronized void close() {
            over = true;
            first.cancel();
            if (interrupted) {
                Thread.interrupted(); // ours, not the caller's: the thread goes back to the server
            }
        }
    }

    /** Why the standard headers disagree with the body, or null when they agree. */
    private static String headerMismatch(Request request, JsonNode message, String headerVersion, String metaVersion) {
        if (headerVersion == null) {
            return "Header mismatch: the MCP-Protocol-Version header is missing";
        }
        if (metaVersion != null && !headerVersion.equals(metaVersion)) {
            return "Header mismatch: MCP-Protocol-Version header '" + headerVersion + "' does not match _meta value '" + metaVersion + "'";
        }
        String method = message.get("method").asText();
        String headerMethod = trimmed(request.getHeaders().get("Mcp-Method"));
        if (headerMethod == null) {
            return "Header mismatch: the Mcp-Method header is missing";
        }
        if (!headerMethod.equals(method)) {
            return "Header mismatch: Mcp-Method header '" + headerMethod + "' does not match body value '" + method + "'";
        }
        String bodyName = switch (method) {
            case "tools/call", "prompts/get" -> message.path("params").path("name").asText(null);
            case "resources/read" -> message.path("params").path("uri").asText(null);
            case "tasks/get", "tasks/update", "tasks/cancel" -> message.path("params").path("taskId").asText(null);
            default -> null;
        };
        if (bodyName != null) {
            String headerName = decoded(trimmed(request.getHeaders().get("Mcp-Name")));
            if (headerName == null) {
                return "Header mismatch: the Mcp-Name header is missing";
            }
            if (!headerName.equals(bodyName)) {
                return "Header mismatch: Mcp-Name header '" + headerName + "' does not match body value '" + bodyName + "'";
            }
        }
        return null;
    }

    /** A header value with the revision's Base64 sentinel decoded; a sentinel that is not Base64 as it is (it then matches nothing). */
    private static String decoded(String value) {
        String d = value == null ? null : ParamHeaders.decode(value);
        return d == null ? value : d;
    }

    private static String trimmed(String value) {
        return value == null ? null : value.strip();
    }

    /** The request with its body, already read here, offered again to the next handler. */
    private static Request replay(Request request, ByteBuffer body) {
        return new Request.Wrapper(request) {
            private boolean given;

            @Override
            public Content.Chunk read() {
                if (given) {
                    return Content.Chunk.EOF;
                }
                given = true;
                return Content.Chunk.from(body.slice(), true);
            }

            @Override
            public void demand(Runnable demandCallback) {
                demandCallback.run();
            }

            @Override
            public long getLength() {
                return body.remaining();
            }
        };
    }

    private void write(Response response, Callback callback, int status, ObjectNode body) throws IOException {
        response.setStatus(status);
        response.getHeaders().put(JSON_TYPE);
        response.write(true, ByteBuffer.wrap(json.writeValueAsBytes(body)), callback);
    }

    /** A response that turns into an SSE stream at its first message; writes block until sent. */
    final class SseStream implements Subscriptions.Sink {
        private final Response response;
        private boolean started;
        private boolean broken;
        private boolean ended;

        SseStream(Response response) {
            this.response = response;
        }

        /**
         * True if nothing was streamed yet, and then nothing will be (a ping arriving late is dropped): the
         * answer may go as one JSON body.
         */
        synchronized boolean endUnstarted() {
            if (started) {
                return false;
            }
            ended = true;
            return true;
        }

        /** Sends one message as an SSE event; false once the client has gone. */
        @Override
        public synchronized boolean send(JsonNode message) {
            return write("data: " + message + "\n\n");
        }

        /** An SSE comment, to keep a quiet stream open and to notice a client that left. */
        @Override
        public synchronized boolean keepAlive() {
            return write(":\n\n");
        }

        private boolean write(String text) {
            if (broken || ended) {
                return false;
            }
            if (!started) {
                started = true;
                response.setStatus(200);
                response.getHeaders().put(SSE_TYPE);
                response.getHeaders().put(NO_CACHE);
                response.getHeaders().put(NO_BUFFERING);
            }
            try (Blocker.Callback sent = Blocker.callback()) {
                response.write(false, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), sent);
                sent.block();
                return true;
            } catch (IOException e) {
                broken = true;
                return false;
            }
        }

        /** Ends the stream. */
        synchronized void end() {
            ended = true;
            try (Blocker.Callback done = Blocker.callback()) {
                response.write(true, null, done);
                done.block();
            } catch (IOException e) {
                broken = true;
            }
        }
    }
}
