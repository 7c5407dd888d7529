package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.HttpHeaders;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSession;
import io.modelcontextprotocol.spec.McpStreamableServerSession;
import io.modelcontextprotocol.server.McpAsyncServerExchange;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import dev.kairos.transports.SamplingClients;
import io.modelcontextprotocol.spec.McpStreamableServerTransport;
import io.modelcontextprotocol.spec.McpStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.ProtocolVersions;
import io.modelcontextprotocol.util.KeepAliveScheduler;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The MCP Streamable HTTP endpoint as a plain Jetty handler, built on the SDK's session SPI.
 *
 * <p>Unlike the SDK's servlet transport, which opens an SSE stream for every POSTed request, this
 * one answers with a single {@code application/json} body when the handler's first message is the
 * response itself, and switches to an SSE stream only when the handler sends something on the way
 * (progress, log messages, sampling or elicitation requests). The spec lets the server choose; the
 * JSON answer saves the stream set-up and framing on every plain call. Sessions, the GET stream,
 * DELETE, keep-alive pings and idle-session sweeping behave as in the SDK's transport; every error
 * body is a JSON-RPC error.
 */
public final class StreamableEndpoint extends Handler.Abstract implements McpStreamableServerTransportProvider {
    private static final Logger log = LoggerFactory.getLogger(StreamableEndpoint.class);
    private static final HttpField JSON_TYPE = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");
    private static final HttpField SSE_TYPE = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "text/event-stream");
    private static final HttpField NO_CACHE = new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, "no-cache");
    private static final Duration CLOSE_BOUND = Duration.ofSeconds(30);
    private static final String SESSION_GONE = "Session not found or expired; start a new session with initialize";

    private final String path;
    private final ObjectMapper json;
    private final McpJsonMapper mapper;
    private final JsonRpcReader reader;
    private final int maxRequestBytes;
    private final Duration idleTimeout;
    private final Function<Request, McpTransportContext> contextOf;
    private final Function<Request, String> ownerOf;
    private final int maxSessionsPerOwner;
    private final SamplingClients samplingClients;
    private final ConcurrentHashMap<String, Tracked> sessions = new ConcurrentHashMap<>();
    private final KeepAliveScheduler keepAlive;
    private final ScheduledExecutorService sweeper;
    private volatile McpStreamableServerSession.Factory sessionFactory;
    private volatile boolean closing;

    /** A session and when it was last used, for the idle sweep. */
    private static final class Tracked {
        final McpStreamableServerSession session;
        final String owner;
        volatile long lastUsedNanos = System.nanoTime();

        Tracked(McpStreamableServerSession session, String owner) {
            this.session = session;
            this.owner = owner;
        }
    }

    /**
     * @param path            the endpoint path; other paths are left to the next handler
     * @param json            Jackson mapper behind {@code mapper} (reads bodies in one pass)
     * @param mapper          the SDK mapper used by the MCP server
     * @param keepAlive       ping interval for sessions with an open GET stream
     * @param idleTimeout     a session with no request for this long (and no open stream) is closed
     * @param contextOf       what tool handlers see of the HTTP request (the caller)
     * @param ownerOf         who a request comes from (its token); a session is only used by its owner
     * @param maxSessionsPerOwner open sessions one owner may hold; more initializes get 503
     * @param samplingClients where sessions of clients that declared sampling are registered
     */
    public StreamableEndpoint(String path, ObjectMapper json, McpJsonMapper mapper, int maxRequestBytes,
                              Duration keepAlive, Duration idleTimeout, Function<Request, McpTransportContext> contextOf,
                              Function<Request, String> ownerOf, int maxSessionsPerOwner, SamplingClients samplingClients) {
        this.path = path;
        this.json = json;
        this.mapper = mapper;
        this.reader = new JsonRpcReader(json);
        this.maxRequestBytes = maxRequestBytes;
        this.idleTimeout = idleTimeout;
        this.contextOf = contextOf;
        this.ownerOf = ownerOf;
        this.maxSessionsPerOwner = maxSessionsPerOwner;
        this.samplingClients = samplingClients;
        this.keepAlive = KeepAliveScheduler
                .builder(() -> closing ? Flux.empty() : Flux.fromIterable(sessions.values())
                        .map(t -> t.session).filter(McpStreamableServerSession::hasListeningStream).cast(McpSession.class))
                .initialDelay(keepAlive)
                .interval(keepAlive)
                .onPingFailure(s -> {
                    if (s instanceof McpStreamableServerSession session) {
                        session.releaseListeningStream();
                    }
                })
                .build();
        this.keepAlive.start();
        this.sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name("kairos-mcp-session-sweeper").factory());
        long every = Math.max(1, idleTimeout.toMillis());
        sweeper.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public void setSessionFactory(McpStreamableServerSession.Factory sessionFactory) {
        this.sessionFactory = sessionFactory;
    }

    @Override
    public List<String> protocolVersions() {
        return List.of(ProtocolVersions.MCP_2025_03_26, ProtocolVersions.MCP_2025_06_18, ProtocolVersions.MCP_2025_11_25);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!path.equals(Request.getPathInContext(request))) {
            return false;
        }
        if (closing) {
            error(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, -32603, "Server is shutting down");
            return true;
        }
        if (!"POST".equals(request.getMethod()) && unsupportedVersion(request, response, callback)) {
            return true;
        }
        switch (request.getMethod()) {
            case "POST" -> post(request, response, callback);
            case "GET" -> get(request, response, callback);
            case "DELETE" -> delete(request, response, callback);
            case "OPTIONS" -> {
                response.setStatus(HttpStatus.NO_CONTENT_204);
                response.getHeaders().put(HttpHeader.ALLOW, "GET, POST, DELETE, OPTIONS");
                response.write(true, BufferUtil.EMPTY_BUFFER, callback);
            }
            default -> {
                response.getHeaders().put(HttpHeader.ALLOW, "GET, POST, DELETE, OPTIONS");
                response.getHeaders().put(HttpHeader.CONNECTION, "close"); // its body, if any, is left unread
                error(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, -32600, "Method not allowed: use POST, GET or DELETE");
            }
        }
        return true;
    }

    private void post(Request request, Response response, Callback callback) throws IOException {
        // The body is read first, even for a refusal: a reply that leaves it unread would cost the
        // client its keep-alive connection.
        ByteBuffer body;
        try {
            body = readBody(request);
        } catch (TooLarge e) {
            // the rest of the body is still on its way: this connection cannot carry another request
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            error(response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413, -32600,
                    "Request body larger than " + maxRequestBytes + " bytes");
            return;
        }
        if (unsupportedVersion(request, response, callback)) {
            return;
        }
        String accept = request.getHeaders().get(HttpHeader.ACCEPT);
        if (accept == null || !accept.contains("application/json") || !accept.contains("text/event-stream")) {
            error(response, callback, HttpStatus.NOT_ACCEPTABLE_406, -32600,
                    "Not Acceptable: the Accept header must list both application/json and text/event-stream");
            return;
        }
        String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            error(response, callback, HttpStatus.UNSUPPORTED_MEDIA_TYPE_415, -32600,
                    "Unsupported Media Type: Content-Type must be application/json");
            return;
        }
        McpSchema.JSONRPCMessage message;
        try {
            message = reader.read(body.array(), body.arrayOffset() + body.position(), body.remaining());
        } catch (JsonRpcReader.BadMessage e) {
            error(response, callback, HttpStatus.BAD_REQUEST_400, e.code(), e.getMessage());
            return;
        }
        if (message instanceof McpSchema.JSONRPCRequest init && McpSchema.METHOD_INITIALIZE.equals(init.method())) {
            initialize(init, ownerOf.apply(request), contextOf.apply(request), response, callback);
            return;
        }
        Tracked tracked = session(request, response, callback);
        if (tracked == null) {
            return;
        }
        McpStreamableServerSession session = tracked.session;
        McpTransportContext context = contextOf.apply(request);
        switch (message) {
            case McpSchema.JSONRPCRequest call when JsonRpcReader.paramsProblem(call) != null ->
                    writeJson(response, callback, HttpStatus.OK_200, mapper.writeValueAsBytes(McpSchema.JSONRPCResponse.error(call.id(),
                            new McpSchema.JSONRPCResponse.JSONRPCError(-32602, JsonRpcReader.paramsProblem(call), null))));
            case McpSchema.JSONRPCRequest call -> answer(session, call, context, request, response, callback);
            case McpSchema.JSONRPCNotification note -> {
                try {
                    session.accept(note).contextWrite(c -> c.put(McpTransportContext.KEY, context)).block();
                } catch (RuntimeException e) {
                    log.debug("Notification {} of session {} failed: {}", note.method(), session.getId(), e.getMessage());
                }
                accepted(response, callback);
            }
            case McpSchema.JSONRPCResponse reply -> {
                try {
                    session.accept(reply).contextWrite(c -> c.put(McpTransportContext.KEY, context)).block();
                } catch (RuntimeException e) {
                    log.debug("Response for no pending request in session {}: {}", session.getId(), e.getMessage());
                }
                accepted(response, callback);
            }
            default -> error(response, callback, HttpStatus.BAD_REQUEST_400, -32600, "Invalid Request: unknown message kind");
        }
    }

    private void initialize(McpSchema.JSONRPCRequest init, String owner, McpTransportContext context, Response response,
                            Callback callback) throws IOException {
        McpStreamableServerSession.Factory factory = sessionFactory;
        if (JsonRpcReader.paramsProblem(init) != null) {
            error(response, callback, HttpStatus.BAD_REQUEST_400, -32602, JsonRpcReader.paramsProblem(init));
            return;
        }
        long open = sessions.values().stream().filter(t -> t.owner.equals(owner)).count();
        if (open >= maxSessionsPerOwner) {
            error(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, -32000, "Too many open sessions for this token (limit "
                    + maxSessionsPerOwner + "); end one with DELETE or let idle ones expire");
            return;
        }
        McpSchema.JSONRPCResponse reply;
        String sessionId;
        try {
            McpSchema.InitializeRequest params = mapper.convertValue(init.params(), new TypeRef<>() {
            });
            McpStreamableServerSession.McpStreamableServerSessionInit started = factory.startSession(params);
            sessionId = started.session().getId();
            McpStreamableServerSession session = started.session();
            sessions.put(sessionId, new Tracked(session, owner));
            // A session-level exchange: requests sent through it go out on the client's GET stream, so memory
            // extraction can ask the client's model outside any request of that client.
            samplingClients.register(sessionId, new McpSyncServerExchange(new McpAsyncServerExchange(sessionId, session,
                    params.capabilities(), params.clientInfo(), context)),
                    () -> sessions.containsKey(sessionId) && session.hasListeningStream());
            reply = McpSchema.JSONRPCResponse.result(init.id(), started.initResult().block(CLOSE_BOUND));
        } catch (RuntimeException e) {
            log.warn("Failed to initialize an MCP session: {}", e.getMessage());
            error(response, callback, HttpStatus.BAD_REQUEST_400, -32602,
                    "Invalid params: initialize needs protocolVersion, capabilities and clientInfo");
            return;
        }
        response.getHeaders().put(HttpHeaders.MCP_SESSION_ID, sessionId);
        writeJson(response, callback, HttpStatus.OK_200, mapper.writeValueAsBytes(reply));
    }

    /** Runs one request; its reply goes out as JSON or, if anything comes before it, as an SSE stream. */
    private void answer(McpStreamableServerSession session, McpSchema.JSONRPCRequest call, McpTransportContext context,
                        Request request, Response response, Callback callback) {
        Reply reply = new Reply(session.getId(), call.id(), response, callback);
        McpStreamableServerSession.McpStreamableServerSessionStream stream = session.responseStream(reply);
        request.addFailureListener(failure -> stream.close());
        // As with a servlet in async mode: a tool that runs past the connection's idle timeout is not cut off.
        request.addIdleTimeoutListener(timeout -> false);
        try {
            stream.handle(call).contextWrite(c -> c.put(McpTransportContext.KEY, context)).block();
            reply.complete(null);
        } catch (RuntimeException e) {
            // The SDK's handlers convert their params before their own error handling starts, so
            // params of the wrong shape end up here; the caller still gets an answer to its id.
            // The exception's text names Java internals; it goes to the log, the caller gets our own words.
            log.debug("Request {} of session {} failed: {}", call.id(), session.getId(), e.toString());
            boolean badParams = e instanceof IllegalArgumentException;
            String message = badParams ? "Invalid params: the params of " + call.method() + " do not have the expected shape"
                    : "Internal error while handling " + call.method();
            reply.complete(McpSchema.JSONRPCResponse.error(call.id(),
                    new McpSchema.JSONRPCResponse.JSONRPCError(badParams ? -32602 : -32603, message, null)));
        }
    }

    private void get(Request request, Response response, Callback callback) throws IOException {
        String accept = request.getHeaders().get(HttpHeader.ACCEPT);
        if (accept == null || !accept.contains("text/event-stream")) {
            error(response, callback, HttpStatus.NOT_ACCEPTABLE_406, -32600,
                    "Not Acceptable: the Accept header must list text/event-stream");
            return;
        }
        Tracked tracked = session(request, response, callback);
        if (tracked == null) {
            return;
        }
        McpStreamableServerSession session = tracked.session;
        McpTransportContext context = contextOf.apply(request);
        Reply listening = new Reply(session.getId(), null, response, callback);
        listening.openStream();
        String lastEventId = request.getHeaders().get(HttpHeaders.LAST_EVENT_ID);
        if (lastEventId != null) {
            for (McpSchema.JSONRPCMessage missed : session.replay(lastEventId)
                    .contextWrite(c -> c.put(McpTransportContext.KEY, context)).toIterable()) {
                listening.send(missed, null);
            }
        }
        McpStreamableServerSession.McpStreamableServerSessionStream stream = session.listeningStream(listening);
        request.addFailureListener(failure -> stream.close());
        // An open stream is quiet between messages; keep-alive pings and failed writes tell a dead client.
        request.addIdleTimeoutListener(timeout -> false);
    }

    private void delete(Request request, Response response, Callback callback) throws IOException {
        Tracked tracked = session(request, response, callback);
        if (tracked == null) {
            return;
        }
        McpTransportContext context = contextOf.apply(request);
        try {
            tracked.session.delete().contextWrite(c -> c.put(McpTransportContext.KEY, context)).block(CLOSE_BOUND);
        } catch (RuntimeException e) {
            log.warn("Closing session {} on DELETE: {}", tracked.session.getId(), e.getMessage());
        }
        sessions.remove(tracked.session.getId(), tracked);
        samplingClients.remove(tracked.session.getId());
        response.setStatus(HttpStatus.OK_200);
        response.write(true, BufferUtil.EMPTY_BUFFER, callback);
    }

    /** The request's session, marked as used; null (with the error already answered) when missing or unknown. */
    private Tracked session(Request request, Response response, Callback callback) throws IOException {
        String id = request.getHeaders().get(HttpHeaders.MCP_SESSION_ID);
        if (id == null || id.isBlank()) {
            error(response, callback, HttpStatus.BAD_REQUEST_400, -32600,
                    "Bad Request: the Mcp-Session-Id header is required (send initialize first)");
            return null;
        }
        Tracked tracked = sessions.get(id);
        // another token's session looks exactly like one that does not exist
        if (tracked == null || !tracked.owner.equals(ownerOf.apply(request))) {
            error(response, callback, HttpStatus.NOT_FOUND_404, -32001, SESSION_GONE);
            return null;
        }
        tracked.lastUsedNanos = System.nanoTime();
        return tracked;
    }

    /** Answers 400 (true) when the request names a protocol version this endpoint does not speak. */
    private boolean unsupportedVersion(Request request, Response response, Callback callback) {
        String version = request.getHeaders().get(HttpHeaders.PROTOCOL_VERSION);
        if (version == null || protocolVersions().contains(version.trim())) {
            return false;
        }
        error(response, callback, HttpStatus.BAD_REQUEST_400, -32600, "Bad Request: unsupported MCP-Protocol-Version '"
                + (version.length() > 40 ? version.substring(0, 40) : version)
                + "'; supported: " + String.join(", ", protocolVersions()));
        return true;
    }

    private static final class TooLarge extends IOException {
        TooLarge() {
            super(null, null);
        }
    }

    /**
     * The whole body, refusing more than the limit as soon as it is exceeded (a chunked body has no
     * length to check up front). Usually one chunk, copied once into an array of the right size.
     */
    private ByteBuffer readBody(Request request) throws IOException {
        long declared = request.getLength();
        if (declared > maxRequestBytes) {
            throw new TooLarge();
        }
        byte[] out = new byte[declared >= 0 ? (int) declared : 1024];
        int size = 0;
        while (true) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                try (Blocker.Runnable more = Blocker.runnable()) {
                    request.demand(more);
                    more.block();
                }
                continue;
            }
            try {
                if (Content.Chunk.isFailure(chunk)) {
                    throw new IOException("reading the request body failed", chunk.getFailure());
                }
                ByteBuffer data = chunk.getByteBuffer();
                int n = data.remaining();
                if (size + n > maxRequestBytes) {
                    throw new TooLarge();
                }
                if (size + n > out.length) {
                    out = java.util.Arrays.copyOf(out, Math.min(maxRequestBytes, Math.max(size + n, out.length * 2)));
                }
                data.get(out, size, n);
                size += n;
                if (chunk.isLast()) {
                    return ByteBuffer.wrap(out, 0, size);
                }
            } finally {
                chunk.release();
            }
        }
    }

    private static void accepted(Response response, Callback callback) {
        response.setStatus(HttpStatus.ACCEPTED_202);
        response.write(true, BufferUtil.EMPTY_BUFFER, callback);
    }

    private static void writeJson(Response response, Callback callback, int status, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(JSON_TYPE);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** A JSON-RPC error body ({@code id: null}) with an HTTP status. */
    private void error(Response response, Callback callback, int status, int code, String message) {
        ObjectNode out = json.createObjectNode();
        out.put("jsonrpc", "2.0");
        out.putNull("id");
        out.putObject("error").put("code", code).put("message", message);
        writeJson(response, callback, status, out.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Where one request's messages (or, with no request id, the GET stream's) go. The first message
     * decides the form: the request's own response alone is a JSON body; anything else starts an SSE
     * stream that carries every later message too.
     */
    private final class Reply implements McpStreamableServerTransport {
        private final String sessionId;
        private final Object requestId;
        private final Response response;
        private final Callback callback;
        private final ReentrantLock lock = new ReentrantLock();
        private boolean streaming;
        private boolean answered;
        private boolean closed;
        private boolean done;

        Reply(String sessionId, Object requestId, Response response, Callback callback) {
            this.sessionId = sessionId;
            this.requestId = requestId;
            this.response = response;
            this.callback = callback;
        }

        /** Starts the SSE stream now and sends its headers, so a GET client sees the stream open. */
        void openStream() throws IOException {
            lock.lock();
            try {
                startStream();
                write(BufferUtil.EMPTY_BUFFER);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
            return sendMessage(message, null);
        }

        @Override
        public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message, String messageId) {
            return Mono.fromRunnable(() -> send(message, messageId));
        }

        void send(McpSchema.JSONRPCMessage message, String messageId) {
            lock.lock();
            try {
                if (done || closed) {
                    log.debug("Dropped a message for a finished reply in session {}", sessionId);
                    return;
                }
                byte[] data = mapper.writeValueAsBytes(message);
                boolean isAnswer = requestId != null && message instanceof McpSchema.JSONRPCResponse r && requestId.equals(r.id());
                answered |= isAnswer;
                if (!streaming && isAnswer) {
                    done = true;
                    writeJson(response, callback, HttpStatus.OK_200, data);
                    return;
                }
                if (!streaming) {
                    startStream();
                }
                write(event(messageId != null ? messageId : sessionId, data));
            } catch (IOException e) {
                log.debug("Could not send to session {}: {}", sessionId, e.getMessage());
                finish(e);
            } finally {
                lock.unlock();
            }
        }

        private void startStream() {
            streaming = true;
            response.setStatus(HttpStatus.OK_200);
            response.getHeaders().put(SSE_TYPE);
            response.getHeaders().put(NO_CACHE);
        }

        private void write(ByteBuffer buffer) throws IOException {
            try (Blocker.Callback written = Blocker.callback()) {
                response.write(false, buffer, written);
                written.block();
            }
        }

        private ByteBuffer event(String id, byte[] data) {
            byte[] head = ("id: " + id + "\nevent: message\ndata: ").getBytes(StandardCharsets.UTF_8);
            ByteBuffer out = ByteBuffer.allocate(head.length + data.length + 2);
            out.put(head).put(data).put((byte) '\n').put((byte) '\n').flip();
            return out;
        }

        /** Ends the HTTP response once: the SSE stream's end, or 202 if nothing was ever sent. */
        private void finish(Throwable failure) {
            if (done) {
                return;
            }
            done = true;
            if (failure != null) {
                callback.failed(failure);
            } else if (streaming) {
                response.write(true, BufferUtil.EMPTY_BUFFER, callback);
            } else {
                accepted(response, callback);
            }
        }

        @Override
        public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
            return mapper.convertValue(data, typeRef);
        }

        @Override
        public Mono<Void> closeGracefully() {
            return Mono.fromRunnable(this::close);
        }

        /**
         * The SDK closes a request's transport as soon as its handler is done, even when it failed
         * before answering; a request's reply is therefore ended by {@link #complete}, and only the
         * GET stream ends here.
         */
        @Override
        public void close() {
            lock.lock();
            try {
                closed = true;
                if (requestId == null) {
                    finish(null);
                }
            } finally {
                lock.unlock();
            }
        }

        /** Ends a request's reply, answering with {@code error} if the request got no response. */
        void complete(McpSchema.JSONRPCResponse error) {
            lock.lock();
            try {
                if (done) {
                    return;
                }
                if (!answered && error != null) {
                    byte[] data = mapper.writeValueAsBytes(error);
                    if (!streaming) {
                        done = true;
                        writeJson(response, callback, HttpStatus.OK_200, data);
                        return;
                    }
                    write(event(sessionId, data));
                }
                finish(null);
            } catch (IOException e) {
                finish(e);
            } finally {
                lock.unlock();
            }
        }
    }

    /** Closes sessions that have been idle for the whole timeout and have no open stream. */
    private void sweep() {
        long now = System.nanoTime();
        long idleNanos = idleTimeout.toNanos();
        sessions.forEach((id, tracked) -> {
            if (now - tracked.lastUsedNanos >= idleNanos && !tracked.session.hasOpenStream()
                    && sessions.remove(id, tracked)) {
                samplingClients.remove(id);
                log.debug("Closing idle MCP session {}", id);
                tracked.session.closeGracefully().timeout(CLOSE_BOUND)
                        .subscribe(v -> { }, e -> log.debug("Closing idle session {}: {}", id, e.toString()));
            }
        });
    }

    @Override
    public Mono<Void> notifyClients(String method, Object params) {
        return Mono.fromRunnable(() -> sessions.values().forEach(t -> {
            try {
                t.session.sendNotification(method, params).block(CLOSE_BOUND);
            } catch (RuntimeException e) {
                log.debug("Notification to session {} failed: {}", t.session.getId(), e.getMessage());
            }
        }));
    }

    @Override
    public Mono<Void> notifyClient(String sessionId, String method, Object params) {
        return Mono.defer(() -> {
            Tracked t = sessions.get(sessionId);
            return t == null ? Mono.empty() : t.session.sendNotification(method, params);
        });
    }

    @Override
    public Mono<Void> closeGracefully() {
        return Mono.fromRunnable(() -> {
            closing = true;
            sweeper.shutdownNow();
            keepAlive.shutdown();
            sessions.values().forEach(t -> {
                try {
                    t.session.closeGracefully().block(CLOSE_BOUND);
                } catch (RuntimeException e) {
                    log.debug("Closing session {}: {}", t.session.getId(), e.getMessage());
                }
            });
            sessions.keySet().forEach(samplingClients::remove);
            sessions.clear();
        });
    }
}
