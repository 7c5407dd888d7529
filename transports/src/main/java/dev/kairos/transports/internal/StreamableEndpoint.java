package dev.kairos.transports.internal;

import dev.kairos.transports.Caller;
import dev.kairos.transports.SsePolling;
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
import java.util.function.BooleanSupplier;
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
 *
 * <p>Every SSE stream, a POST's or the GET stream, is resumable ({@link SseStreams}): each event has
 * an id unique in the session, recent events are kept per stream, and a GET with
 * {@code Last-Event-ID} continues the stream that id belongs to. A client dropping its connection
 * does not cancel its call. Clients of 2025-11-25 and later get a priming event and the
 * {@code retry} field, and a tool may close its connection early ({@link SsePolling}).
 */
public final class StreamableEndpoint extends Handler.Abstract implements McpStreamableServerTransportProvider {
    private static final Logger log = LoggerFactory.getLogger(StreamableEndpoint.class);
    private static final HttpField JSON_TYPE = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");
    private static final Duration CLOSE_BOUND = Duration.ofSeconds(30);
    /**
     * A call of a 2025-11-25 session that has not answered after this long is switched to a primed SSE
     * stream: a JSON answer cannot be resumed, so a long call would lose its result with its connection.
     */
    static final Duration PRIME_AFTER = Duration.ofSeconds(1);
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
    private final SubscribeCheck subscribeCheck;
    private final SamplingClients samplingClients;
    private final ConcurrentHashMap<String, Tracked> sessions = new ConcurrentHashMap<>();
    /** Calls of 2025-11-25 sessions still answered as JSON, for {@link #primeLongCalls}. */
    private final java.util.Set<ResponseChannel> unprimed = ConcurrentHashMap.newKeySet();
    /** Open sessions per owner, reserved before a session starts so the cap holds under concurrent initializes. */
    private final ConcurrentHashMap<String, Integer> openByOwner = new ConcurrentHashMap<>();
    private final KeepAliveScheduler keepAlive;
    private final ScheduledExecutorService sweeper;
    private volatile McpStreamableServerSession.Factory sessionFactory;
    private volatile boolean closing;

    /** A session, its streams, and when it was last used, for the idle sweep. */
    private static final class Tracked {
        final McpStreamableServerSession session;
        final String owner;
        final SseStreams streams;
        /** Negotiated 2025-11-25 or later: the client takes priming events and SSE polling. */
        final boolean primes;
        volatile long lastUsedNanos = System.nanoTime();
        /** The transport of the session's GET stream, if one was opened. */
        volatile Listening listening;

        Tracked(McpStreamableServerSession session, String owner, String protocolVersion) {
            this.session = session;
            this.owner = owner;
            this.streams = new SseStreams(session.getId());
            this.primes = protocolVersion != null && protocolVersion.compareTo(ProtocolVersions.MCP_2025_11_25) >= 0;
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
     * @param subscribeCheck  refuses subscriptions to resources the caller may not read
     * @param samplingClients where sessions of clients that declared sampling are registered
     */
    public StreamableEndpoint(String path, ObjectMapper json, McpJsonMapper mapper, int maxRequestBytes,
                              Duration keepAlive, Duration idleTimeout, Function<Request, McpTransportContext> contextOf,
                              Function<Request, String> ownerOf, int maxSessionsPerOwner, SubscribeCheck subscribeCheck,
                              SamplingClients samplingClients) {
        this.path = path;
        this.json = json;
        this.mapper = mapper;
        this.reader = new JsonRpcReader(json);
        this.maxRequestBytes = maxRequestBytes;
        this.idleTimeout = idleTimeout;
        this.contextOf = contextOf;
        this.ownerOf = ownerOf;
        this.maxSessionsPerOwner = maxSessionsPerOwner;
        this.subscribeCheck = subscribeCheck;
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
        long half = PRIME_AFTER.toMillis() / 2;
        sweeper.scheduleWithFixedDelay(this::primeLongCalls, half, half, TimeUnit.MILLISECONDS);
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
            body = readBody(request, maxRequestBytes);
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
            case McpSchema.JSONRPCRequest call when McpSchema.METHOD_RESOURCES_SUBSCRIBE.equals(call.method())
                    && subscribeCheck.refusal(request.getAttribute(Caller.CONTEXT_KEY), call) instanceof McpSchema.JSONRPCResponse.JSONRPCError refused ->
                    writeJson(response, callback, HttpStatus.OK_200, mapper.writeValueAsBytes(McpSchema.JSONRPCResponse.error(call.id(), refused)));
            case McpSchema.JSONRPCRequest call -> answer(tracked, call, context, request, response, callback);
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
        if (!reserveSession(owner)) {
            error(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, -32000, "Too many open sessions for this token (limit "
                    + maxSessionsPerOwner + "); end one with DELETE or let idle ones expire");
            return;
        }
        McpSchema.JSONRPCResponse reply;
        String sessionId;
        Tracked tracked = null;
        try {
            McpSchema.InitializeRequest params = mapper.convertValue(init.params(), new TypeRef<>() {
            });
            McpStreamableServerSession.McpStreamableServerSessionInit started = factory.startSession(params);
            McpSchema.InitializeResult result = started.initResult().block(CLOSE_BOUND);
            sessionId = started.session().getId();
            McpStreamableServerSession session = started.session();
            tracked = new Tracked(session, owner, result == null ? null : result.protocolVersion());
            sessions.put(sessionId, tracked);
            // A session-level exchange: requests sent through it go out on the client's GET stream, so memory
            // extraction can ask the client's model outside any request of that client.
            samplingClients.register(sessionId, new McpSyncServerExchange(new McpAsyncServerExchange(sessionId, session,
                    params.capabilities(), params.clientInfo(), context)),
                    () -> sessions.containsKey(sessionId) && session.hasListeningStream());
            reply = McpSchema.JSONRPCResponse.result(init.id(), result);
        } catch (RuntimeException e) {
            if (tracked == null || sessions.remove(tracked.session.getId(), tracked)) {
                releaseSession(owner);
            }
            log.warn("Failed to initialize an MCP session: {}", e.getMessage());
            error(response, callback, HttpStatus.BAD_REQUEST_400, -32602,
                    "Invalid params: initialize needs protocolVersion, capabilities and clientInfo");
            return;
        }
        response.getHeaders().put(HttpHeaders.MCP_SESSION_ID, sessionId);
        writeJson(response, callback, HttpStatus.OK_200, mapper.writeValueAsBytes(reply));
    }

    /**
     * Counts a new session against its owner's cap, atomically: concurrent initializes of one token
     * cannot together pass the cap (a count of the session map followed by a put could).
     */
    private boolean reserveSession(String owner) {
        boolean[] reserved = {false};
        openByOwner.compute(owner, (k, open) -> {
            int n = open == null ? 0 : open;
            if (n >= maxSessionsPerOwner) {
                return open;
            }
            reserved[0] = true;
            return n + 1;
        });
        return reserved[0];
    }

    /** Gives back a session's place under its owner's cap; call once per session removed from the map. */
    private void releaseSession(String owner) {
        openByOwner.computeIfPresent(owner, (k, open) -> open <= 1 ? null : open - 1);
    }

    /** Runs one request; its reply goes out as JSON or, if anything comes before it, as an SSE stream. */
    private void answer(Tracked tracked, McpSchema.JSONRPCRequest call, McpTransportContext context,
                        Request request, Response response, Callback callback) {
        McpStreamableServerSession session = tracked.session;
        ResponseChannel reply = new ResponseChannel(tracked, call.id(), response, callback);
        McpStreamableServerSession.McpStreamableServerSessionStream stream = session.responseStream(reply);
        // A dropped connection does not cancel the call (the spec says so): its messages are kept for
        // a GET with Last-Event-ID, and a cancel comes as notifications/cancelled.
        request.addFailureListener(reply::connectionFailed);
        // As with a servlet in async mode: a tool that runs past the connection's idle timeout is not cut off.
        request.addIdleTimeoutListener(timeout -> false);
        BooleanSupplier closeConnection = reply::closeConnection;
        McpTransportContext withStream = key -> SsePolling.CONTEXT_KEY.equals(key) ? closeConnection : context.get(key);
        if (tracked.primes) {
            unprimed.add(reply);
        }
        try {
            stream.handle(call).contextWrite(c -> c.put(McpTransportContext.KEY, withStream)).block();
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
        } finally {
            unprimed.remove(reply);
        }
    }

    /** Switches calls running longer than {@link #PRIME_AFTER} to primed SSE streams, each on its own thread. */
    private void primeLongCalls() {
        long now = System.nanoTime();
        for (ResponseChannel reply : unprimed) {
            if (now - reply.startedNanos >= PRIME_AFTER.toNanos() && unprimed.remove(reply)) {
                Thread.ofVirtual().name("kairos-mcp-prime").start(reply::prime);
            }
        }
    }

    /**
     * Opens the session's GET stream, or, with {@code Last-Event-ID}, resumes the stream that id
     * belongs to: a POST's stream (its remaining messages and its result, then the end) or an
     * earlier GET stream (which listens on afterwards).
     */
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
        String lastEventId = request.getHeaders().get(HttpHeaders.LAST_EVENT_ID);
        SseStreams.Position at = null;
        if (lastEventId != null) {
            at = tracked.streams.find(lastEventId.trim());
            if (at == null) {
                error(response, callback, HttpStatus.BAD_REQUEST_400, -32600, "Bad Request: Last-Event-ID '"
                        + (lastEventId.length() > 60 ? lastEventId.substring(0, 60) + "…" : lastEventId)
                        + "' names no stream of this session that can be resumed (it may have ended long ago);"
                        + " open the stream without Last-Event-ID");
                return;
            }
        }
        SseStreams.Connection connection = new SseStreams.Connection(response, callback);
        // An open stream is quiet between messages; keep-alive pings and failed writes tell a dead client.
        request.addIdleTimeoutListener(timeout -> false);
        SseStreams.Stream stream;
        try {
            if (at == null) {
                stream = tracked.streams.create(true);
                stream.start(connection, tracked.primes);
                listen(tracked, new Listening(stream));
            } else {
                stream = at.stream();
                Listening current = tracked.listening;
                if (stream.listening && (current == null || current.stream != stream || stream.isFinished())) {
                    // an earlier GET stream, no longer the session's: it listens again, its ids carrying on
                    stream.reopen();
                    listen(tracked, new Listening(stream));
                }
                stream.resume(connection, at.after());
            }
        } catch (IOException e) {
            log.debug("GET stream of session {} failed as it opened: {}", tracked.session.getId(), e.getMessage());
            return; // the connection was failed; a resumed stream keeps its events
        }
        SseStreams.Stream carried = stream;
        request.addFailureListener(failure -> carried.detach(connection, failure));
    }

    /** Makes this the session's GET stream; the one it replaces ends. */
    private static void listen(Tracked tracked, Listening listening) {
        tracked.listening = listening;
        tracked.session.listeningStream(listening);
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
        if (sessions.remove(tracked.session.getId(), tracked)) {
            releaseSession(tracked.owner);
        }
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

    /** A request body over the limit; the rest of it may still be on its way. */
    static final class TooLarge extends IOException {
        TooLarge() {
            super(null, null);
        }
    }

    /**
     * The whole body, refusing more than the limit as soon as it is exceeded (a chunked body has no
     * length to check up front). Usually one chunk, copied once into an array of the right size.
     */
    static ByteBuffer readBody(Request request, int maxRequestBytes) throws IOException {
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
     * Where one request's messages go. The first message decides the form: the request's own
     * response alone is a JSON body; anything else starts an SSE stream ({@link SseStreams.Stream})
     * that carries every later message too, and outlives this POST's connection.
     */
    private final class ResponseChannel implements McpStreamableServerTransport {
        private final Tracked tracked;
        private final Object requestId;
        private final Response response;
        private final Callback callback;
        private final SseStreams.Connection connection;
        private final ReentrantLock lock = new ReentrantLock();
        final long startedNanos = System.nanoTime();
        private SseStreams.Stream stream;
        private boolean answered;
        private boolean closed;
        private boolean done;

        ResponseChannel(Tracked tracked, Object requestId, Response response, Callback callback) {
            this.tracked = tracked;
            this.requestId = requestId;
            this.response = response;
            this.callback = callback;
            this.connection = new SseStreams.Connection(response, callback);
        }

        @Override
        public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
            return sendMessage(message, null);
        }

        /** The SDK's message id is not used: the stream numbers its own events. */
        @Override
        public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message, String messageId) {
            return Mono.fromRunnable(() -> send(message));
        }

        void send(McpSchema.JSONRPCMessage message) {
            lock.lock();
            try {
                if (done || closed) {
                    log.debug("Dropped a message for a finished reply in session {}", tracked.session.getId());
                    return;
                }
                byte[] data = mapper.writeValueAsBytes(message);
                boolean isAnswer = message instanceof McpSchema.JSONRPCResponse r && requestId.equals(r.id());
                answered |= isAnswer;
                if (stream == null && isAnswer) {
                    done = true;
                    writeJson(response, callback, HttpStatus.OK_200, data);
                    return;
                }
                streaming().send(data);
            } catch (IOException e) {
                log.debug("Could not send to session {}: {}", tracked.session.getId(), e.getMessage());
            } finally {
                lock.unlock();
            }
        }

        /** The reply's stream, started on this POST's connection the first time. */
        private SseStreams.Stream streaming() {
            if (stream == null) {
                stream = tracked.streams.create(false);
                try {
                    stream.start(connection, tracked.primes);
                } catch (IOException e) {
                    // the client is gone already; the stream keeps what comes for a resumption
                    log.debug("Reply stream of session {} failed as it opened: {}", tracked.session.getId(), e.getMessage());
                }
            }
            return stream;
        }

        /** The call runs long: its reply becomes a primed stream now, so the client holds an id to resume from. */
        void prime() {
            lock.lock();
            try {
                if (!done && !answered && stream == null) {
                    streaming();
                }
            } finally {
                lock.unlock();
            }
        }

        /** Asked by the tool ({@link SsePolling}): lets go of the connection, the call going on. */
        boolean closeConnection() {
            lock.lock();
            try {
                if (done || answered || !tracked.primes) {
                    return false;
                }
                return streaming().closeConnection();
            } finally {
                lock.unlock();
            }
        }

        /** The client dropped this POST's connection; the call goes on and its stream keeps its messages. */
        void connectionFailed(Throwable failure) {
            lock.lock();
            try {
                if (stream != null) {
                    stream.detach(connection, failure);
                }
            } finally {
                lock.unlock();
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
         * before answering; the reply is therefore ended by {@link #complete}.
         */
        @Override
        public void close() {
            lock.lock();
            try {
                closed = true;
            } finally {
                lock.unlock();
            }
        }

        /** Ends the reply, answering with {@code error} if the request got no response. */
        void complete(McpSchema.JSONRPCResponse error) {
            lock.lock();
            try {
                if (done) {
                    return;
                }
                done = true;
                if (!answered && error != null) {
                    byte[] data = mapper.writeValueAsBytes(error);
                    if (stream == null) {
                        writeJson(response, callback, HttpStatus.OK_200, data);
                        return;
                    }
                    stream.send(data);
                }
                if (stream != null) {
                    stream.finish();
                } else {
                    accepted(response, callback);
                }
            } catch (IOException e) {
                log.debug("Could not answer in session {}: {}", tracked.session.getId(), e.getMessage());
                if (stream != null) {
                    stream.finish();
                } else {
                    callback.failed(e);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** The session's GET stream as the SDK sees it: server-initiated requests and notifications. */
    private final class Listening implements McpStreamableServerTransport {
        final SseStreams.Stream stream;

        Listening(SseStreams.Stream stream) {
            this.stream = stream;
        }

        @Override
        public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
            return sendMessage(message, null);
        }

        @Override
        public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message, String messageId) {
            return Mono.fromRunnable(() -> {
                try {
                    if (!stream.send(mapper.writeValueAsBytes(message))) {
                        log.debug("Dropped a message for an ended GET stream");
                    }
                } catch (IOException e) {
                    log.debug("Could not encode a message for the GET stream: {}", e.getMessage());
                }
            });
        }

        @Override
        public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
            return mapper.convertValue(data, typeRef);
        }

        @Override
        public Mono<Void> closeGracefully() {
            return Mono.fromRunnable(this::close);
        }

        /** Replaced, released after a failed ping, or the session closed: the stream ends (and stays resumable). */
        @Override
        public void close() {
            stream.finish();
        }
    }

    /** Closes sessions that have been idle for the whole timeout and have no open stream. */
    private void sweep() {
        long now = System.nanoTime();
        long idleNanos = idleTimeout.toNanos();
        sessions.forEach((id, tracked) -> {
            if (now - tracked.lastUsedNanos >= idleNanos && !tracked.session.hasOpenStream()
                    && sessions.remove(id, tracked)) {
                releaseSession(tracked.owner);
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
            openByOwner.clear();
        });
    }
}
