package dev.kairos.transports;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.transports.internal.CancellingTransport;
import dev.kairos.transports.internal.ChildProcesses;
import dev.kairos.transports.internal.ClientWire;
import dev.kairos.transports.internal.ProcessStdioTransport;
import dev.kairos.transports.internal.ResumingHttpClient;
import dev.kairos.transports.internal.StatelessClient;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientSseClientTransport;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpTransportSessionNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One supervised connection to a downstream MCP server (stdio, Streamable HTTP or legacy SSE) on
 * the MCP Java SDK client, with what the SDK leaves out: {@code notifications/cancelled} on timeout
 * and interrupt, restarts of a stdio server that exited (the last stderr lines in the error), one
 * re-initialise when an HTTP server has forgotten our session, SSE streams resumed with
 * {@code Last-Event-ID} after the server's {@code retry} interval ({@link ResumingHttpClient}), the
 * legacy SSE fallback decided on the HTTP status, and no orphaned child processes.
 *
 * <p>Both protocol eras: a server is first probed with {@code server/discover} (MCP 2026-07-28's rule);
 * one that answers it is spoken to statelessly ({@link StatelessClient}), any other falls back to
 * {@code initialize} and the SDK client. The answer is remembered per server for the life of the
 * process, so reconnects and restarts of an older server skip the probe.
 */
public final class McpServerConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(McpServerConnection.class);
    private static final int STDERR_LINES = 20;
    // the SDK's own per-request timeout is a backstop only; each call waits until its own deadline
    private static final Duration BACKSTOP = Duration.ofHours(1);
    /** Servers known to want {@code initialize}, by {@link #eraKey}: they are not probed again in this process. */
    private static final Map<String, String> OLDER_ERA = new ConcurrentHashMap<>();

    private final String name;
    private final ServerEndpoint endpoint;
    private final ClientOptions options;
    private final McpJsonMapper mapper = new JacksonMcpJsonMapper(new ObjectMapper());
    private final ObjectMapper json = new ObjectMapper()
            .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private final List<Runnable> toolListeners = new CopyOnWriteArrayList<>();
    private final Map<Object, Consumer<McpSchema.ProgressNotification>> progress = new ConcurrentHashMap<>();
    private final AtomicLong tokens = new AtomicLong();
    private final Deque<String> stderr = new ArrayDeque<>();
    private final Object lock = new Object();
    private volatile Session session;
    private volatile ServerState state;
    private volatile List<McpSchema.Tool> tools = List.of();
    private volatile boolean closed;
    private volatile boolean probed;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private int restartsInARow;

    /**
     * A live protocol session: the client, the transport that can cancel, (stdio) the process, and
     * (Streamable HTTP) what the HTTP client saw, with the count of forgotten-session answers at the start.
     */
    private record Session(McpAsyncClient client, CancellingTransport transport, Process process, String kind,
                           CompletableFuture<String> gone, ResumingHttpClient.Observed http, long lossesAtStart,
                           StatelessClient modern, StatelessClient.Modern discovered) {
        Session(McpAsyncClient client, CancellingTransport transport, Process process, String kind,
                CompletableFuture<String> gone) {
            this(client, transport, process, kind, gone, null, 0, null, null);
        }

        Session(McpAsyncClient client, CancellingTransport transport, Process process, String kind,
                CompletableFuture<String> gone, ResumingHttpClient.Observed http, long lossesAtStart) {
            this(client, transport, process, kind, gone, http, lossesAtStart, null, null);
        }

        /** A session with a server on the stateless revision: no SDK client, one request at a time on the wire. */
        static Session stateless(StatelessClient modern, StatelessClient.Modern discovered, Process process, String kind,
                                 CompletableFuture<String> gone) {
            return new Session(null, null, process, kind, gone, null, 0, modern, discovered);
        }

        /** Whether the server has answered 404 to our session id since this session began. */
        boolean forgotten() {
            return http != null && http.sessionLosses().get() > lossesAtStart;
        }
    }

    private McpServerConnection(String name, ServerEndpoint endpoint, ClientOptions options) {
        this.name = name;
        this.endpoint = endpoint;
        this.options = options;
        this.state = new ServerState(ServerState.Status.CONNECTING, "", null, null, null);
    }

    /**
     * Connects (bounded by {@code options.initializeTimeout()}) and lists the tools. Never throws for
     * a server that fails: the connection is returned in state FAILED with the reason.
     */
    public static McpServerConnection open(String name, ServerEndpoint endpoint, ClientOptions options) {
        McpServerConnection c = new McpServerConnection(name, endpoint, options);
        try {
            c.install(c.connect());
        } catch (RuntimeException e) {
            c.state = new ServerState(ServerState.Status.FAILED, c.reason(e), null, null, null);
            LOG.warn("server {}: {}", name, c.state.detail());
        }
        return c;
    }

    public String name() {
        return name;
    }

    public ServerState state() {
        return state;
    }

    /**
     * The tools as last listed (empty unless ready). For a 2026-07-28 server whose list is past its
     * {@code ttlMs} a new list is fetched in the background; listeners hear when it differs.
     */
    public List<McpSchema.Tool> tools() {
        Session s = session;
        if (s != null && s.modern() != null && s.modern().toolsStale() && refreshing.compareAndSet(false, true)) {
            Thread.ofVirtual().name("tools-" + name).start(() -> {
                try {
                    refreshModernTools(s);
                } finally {
                    refreshing.set(false);
                }
            });
        }
        return tools;
    }

    /** Whether the last connect sent {@code server/discover} (false when this server's era was already known). */
    public boolean probed() {
        return probed;
    }

    /** Runs after a {@code notifications/tools/list_changed} has been followed by a new list. */
    public void onToolsChanged(Runnable listener) {
        toolListeners.add(listener);
    }

    /**
     * Calls a tool and waits until {@code deadline}. On interrupt or at the deadline the request is
     * cancelled downstream. A JSON-RPC error from the server comes back as an error result; a server
     * that cannot be reached throws {@link ServerUnavailableException}.
     */
    public McpSchema.CallToolResult call(String tool, Map<String, Object> arguments,
                                         Consumer<McpSchema.ProgressNotification> onProgress, Instant deadline)
            throws InterruptedException {
        Session s = session;
        if (s == null) {
            throw new ServerUnavailableException(notReady());
        }
        if (s.modern() != null) {
            return callModern(s, tool, arguments, onProgress, deadline);
        }
        if (s.forgotten()) {
            // the server restarted while we were idle (its answer to the SDK's stream was 404): start afresh
            // rather than rely on the SDK's own re-initialise, which gives up if it came too early
            LOG.info("server {}: it has forgotten our session; initializing again before {}", name, tool);
            s = reconnect(s);
        }
        try {
            return callOnce(s, tool, arguments, onProgress, deadline);
        } catch (SessionLost e) {
            // the server restarted and forgot our session: the request was not processed, so send it again once
            LOG.info("server {}: session not found; initializing again and resending {}", name, tool);
            Session fresh = reconnect(s);
            return callOnce(fresh, tool, arguments, onProgress, deadline);
        }
    }

    private static final class SessionLost extends RuntimeException {
        SessionLost(Throwable cause) {
            super(cause);
        }
    }

    private McpSchema.CallToolResult callOnce(Session s, String tool, Map<String, Object> arguments,
                                              Consumer<McpSchema.ProgressNotification> onProgress, Instant deadline)
            throws InterruptedException {
        String token = name + "-" + tokens.incrementAndGet();
        if (onProgress != null) {
            progress.put(token, onProgress);
        }
        McpSchema.CallToolRequest request = new McpSchema.CallToolRequest(tool, arguments, Map.of("progressToken", token));
        CompletableFuture<McpSchema.CallToolResult> call = s.client().callTool(request).toFuture();
        try {
            long wait = Math.max(0, Duration.between(Instant.now(), deadline).toNanos());
            CompletableFuture.anyOf(call, s.gone()).get(wait, TimeUnit.NANOSECONDS);
            if (!call.isDone()) {
                throw new ServerUnavailableException("server " + name + " " + s.gone().getNow("stopped")
                        + " during the call" + stderrTail());
            }
            McpSchema.CallToolResult r = call.join();
            synchronized (lock) {
                restartsInARow = 0;
            }
            return r;
        } catch (InterruptedException e) {
            s.transport().cancel(token, "cancelled by the client");
            call.cancel(true);
            throw e;
        } catch (TimeoutException e) {
            s.transport().cancel(token, "timed out");
            call.cancel(true);
            throw new ServerUnavailableException("server " + name + " did not answer " + tool + " in time");
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof McpError err && err.getJsonRpcError() != null) {
                return McpSchema.CallToolResult.builder().isError(true).addTextContent("server " + name
                        + " answered with an error: " + err.getJsonRpcError().message()
                        + " (code " + err.getJsonRpcError().code() + ")").build();
            }
            // a 404 to our own POST: the server never processed it (whatever error the SDK made of it)
            if (causedBy(cause, McpTransportSessionNotFoundException.class)
                    || (s.http() != null && s.http().rejected(s.transport().requestId(token)))) {
                throw new SessionLost(cause);
            }
            if (s.forgotten()) {
                // not our request's 404, so it may have run; the next call starts a new session
                throw new ServerUnavailableException("server " + name + " forgot our session during the call to "
                        + tool + " (it restarted?); whether the call ran is unknown", cause);
            }
            if (!s.gone().isDone() && s.process() == null) {
                throw new ServerUnavailableException("server " + name + ": " + McpError.aggregateExceptionMessages(cause), cause);
            }
            throw new ServerUnavailableException("server " + name + " " + s.gone().getNow("failed") + stderrTail(), cause);
        } finally {
            s.transport().done(token);
            progress.remove(token);
        }
    }

    private McpSchema.CallToolResult callModern(Session s, String tool, Map<String, Object> arguments,
                                                Consumer<McpSchema.ProgressNotification> onProgress, Instant deadline)
            throws InterruptedException {
        String token = name + "-" + tokens.incrementAndGet();
        try {
            McpSchema.CallToolResult r = s.modern().call(tool, arguments, token, p -> {
                if (onProgress != null) {
                    onProgress.accept(json.convertValue(p, McpSchema.ProgressNotification.class));
                }
            }, deadline);
            synchronized (lock) {
                restartsInARow = 0;
            }
            return r;
        } catch (TimeoutException e) {
            throw new ServerUnavailableException("server " + name + " did not answer " + tool + " in time");
        } catch (ServerUnavailableException e) {
            if (s.gone().isDone()) {
                throw new ServerUnavailableException("server " + name + " " + s.gone().getNow("stopped")
                        + " during the call" + stderrTail(), e);
            }
            throw e;
        }
    }

    private void refreshModernTools(Session s) {
        try {
            List<McpSchema.Tool> fresh = s.modern().listTools(options.initializeTimeout());
            if (session == s && !fresh.equals(tools)) {
                tools = fresh;
                LOG.info("server {}: tool list changed ({} tools)", name, fresh.size());
                toolListeners.forEach(Runnable::run);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("server {}: listing its tools again failed: {}", name, e.getMessage());
        }
    }

    private Session reconnect(Session lost) {
        synchronized (lock) {
            if (session != lost && session != null) {
                return session;
            }
            closeQuietly(lost);
            Session fresh = connect();
            install(fresh);
            return fresh;
        }
    }

    private void install(Session s) {
        synchronized (lock) {
            if (closed) {
                closeQuietly(s);
                throw new ServerUnavailableException("server " + name + " is closed");
            }
            session = s;
            if (s.modern() != null) {
                state = new ServerState(ServerState.Status.READY, "", StatelessClient.version(),
                        s.discovered().serverInfo(), s.kind());
                s.gone().thenAccept(why -> exited(s, why));
                return;
            }
            McpSchema.InitializeResult init = s.client().getCurrentInitializationResult();
            String server = init == null || init.serverInfo() == null ? null
                    : init.serverInfo().name() + " " + init.serverInfo().version();
            state = new ServerState(ServerState.Status.READY, "", init == null ? null : init.protocolVersion(), server, s.kind());
        }
        s.gone().thenAccept(why -> exited(s, why));
    }

    private Session connect() {
        return switch (endpoint) {
            case ServerEndpoint.Stdio stdio -> connectStdio(stdio);
            case ServerEndpoint.Http http when http.kind() != ServerEndpoint.HttpKind.SSE && probeFirst() -> {
                ClientWire.Http wire = new ClientWire.Http(name, http.url(), http.headers(), options.initializeTimeout(), json);
                Session modern = probe(new StatelessClient(name, wire, options), null, "streamable-http", new CompletableFuture<>());
                yield modern != null ? modern : connectInitialized(http);
            }
            case ServerEndpoint.Http http -> connectInitialized(http);
        };
    }

    /** Whether this server's era is still unknown (or known to be 2026-07-28): then {@code server/discover} goes first. */
    private boolean probeFirst() {
        probed = options.stateless() && !OLDER_ERA.containsKey(eraKey(endpoint));
        return probed;
    }

    /** The same server in this process: the same command line, environment and directory, or the same URL. */
    private static String eraKey(ServerEndpoint e) {
        return switch (e) {
            case ServerEndpoint.Stdio s -> "stdio " + s.command() + " " + s.args() + " " + new java.util.TreeMap<>(s.env()) + " " + s.cwd();
            case ServerEndpoint.Http h -> "http " + h.url();
        };
    }

    /** As long as {@code initialize} gets: the probe is the first request, so it also waits out the server's start. */
    private Duration probeWait() {
        return options.initializeTimeout();
    }

    /**
     * Sends {@code server/discover}: a session on the stateless revision when the server speaks it (its
     * tools listed), else null after remembering that this server wants {@code initialize}. Closes the
     * client on failure; on fallback only an HTTP wire is closed (a stdio process goes on to initialize).
     */
    private Session probe(StatelessClient client, Process process, String kind, CompletableFuture<String> gone) {
        StatelessClient.Era era;
        try {
            era = client.probe(probeWait());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.close();
            throw new ServerUnavailableException("server " + name + ": interrupted while connecting");
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
        if (era instanceof StatelessClient.Modern m) {
            Session s = Session.stateless(client, m, process, kind, gone);
            try {
                listModernTools(s);
            } catch (RuntimeException e) {
                client.close();
                throw e;
            }
            return s;
        }
        OLDER_ERA.put(eraKey(endpoint), ((StatelessClient.Legacy) era).why());
        LOG.info("server {}: not on MCP {} ({}); initializing", name, StatelessClient.version(), ((StatelessClient.Legacy) era).why());
        if (process == null) {
            client.close();
        }
        return null;
    }

    private void listModernTools(Session s) {
        if (s.discovered().capabilities().isObject() && !s.discovered().capabilities().has("tools")) {
            tools = List.of();
            return;
        }
        try {
            tools = s.modern().listTools(options.initializeTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServerUnavailableException("server " + name + ": interrupted while listing tools");
        }
        if (s.discovered().capabilities().path("tools").path("listChanged").asBoolean(false)) {
            s.modern().listenForToolChanges(() -> refreshModernTools(s));
        }
    }

    private Session connectInitialized(ServerEndpoint.Http http) {
        return switch (http.kind()) {
                case STREAMABLE -> connectHttp(http, false, new ResumingHttpClient.Observed());
                case SSE -> connectHttp(http, true, null);
                case AUTO -> {
                    ResumingHttpClient.Observed seen = new ResumingHttpClient.Observed();
                    try {
                        yield connectHttp(http, false, seen);
                    } catch (RuntimeException e) {
                        // the spec's backwards-compatibility rule: 400/404/405 on the first POST means a legacy SSE server
                        int code = seen.lastPostStatus().get();
                        if (code != 400 && code != 404 && code != 405) {
                            throw e;
                        }
                        LOG.info("server {}: no Streamable HTTP at {} (HTTP {} to the POST); trying legacy SSE", name,
                                http.url(), code);
                        try {
                            yield connectHttp(http, true, null);
                        } catch (RuntimeException sse) {
                            throw new ServerUnavailableException("server " + name + ": " + http.url()
                                    + " answered the Streamable HTTP POST with HTTP " + code
                                    + ", and legacy SSE failed too: " + McpError.aggregateExceptionMessages(sse), sse);
                        }
                    }
                }
            };
    }

    private Session connectStdio(ServerEndpoint.Stdio stdio) {
        ProcessStdioTransport raw = new ProcessStdioTransport(name, stdio.command(), stdio.args(), stdio.env(),
                stdio.cwd(), mapper, line -> {
                    LOG.info("[{}] {}", name, line);
                    synchronized (stderr) {
                        stderr.addLast(line);
                        while (stderr.size() > STDERR_LINES) {
                            stderr.removeFirst();
                        }
                    }
                }, options.stopGrace());
        try {
            raw.start();
        } catch (IllegalStateException e) {
            throw new ServerUnavailableException("server " + name + ": " + e.getMessage(), e);
        }
        if (probeFirst()) {
            Process p = raw.process();
            CompletableFuture<String> gone = p.onExit().thenApply(x -> "exited with code " + x.exitValue());
            Session modern = probe(new StatelessClient(name, new ClientWire.Stdio(name, raw, json), options), p, "stdio", gone);
            if (modern != null) {
                return modern;
            }
        }
        CancellingTransport transport = new CancellingTransport(raw, name);
        McpAsyncClient client = build(transport);
        try {
            initialize(client);
        } catch (RuntimeException e) {
            client.close();
            raw.close();
            throw e;
        }
        Process p = raw.process();
        CompletableFuture<String> gone = p.onExit().thenApply(x -> "exited with code " + x.exitValue());
        Session s = new Session(client, transport, p, "stdio", gone);
        listTools(s);
        return s;
    }

    /** {@code seen} gets what the Streamable HTTP transport's client sees (the first POST is initialize). */
    private Session connectHttp(ServerEndpoint.Http http, boolean sse, ResumingHttpClient.Observed seen) {
        URI uri = URI.create(http.url());
        String base = uri.getScheme() + "://" + uri.getRawAuthority();
        String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        HttpRequest.Builder headers = HttpRequest.newBuilder();
        http.headers().forEach(headers::header);
        McpClientTransport raw = sse
                ? HttpClientSseClientTransport.builder(base).sseEndpoint(path).requestBuilder(headers)
                        .jsonMapper(mapper).connectTimeout(options.initializeTimeout()).build()
                // our HTTP client first: the transport's connectTimeout applies to the builder it holds
                : HttpClientStreamableHttpTransport.builder(base).clientBuilder(ResumingHttpClient.newBuilder(seen))
                        .endpoint(path).requestBuilder(headers)
                        .jsonMapper(mapper).connectTimeout(options.initializeTimeout()).build();
        CancellingTransport transport = new CancellingTransport(raw, name);
        McpAsyncClient client = build(transport);
        try {
            initialize(client);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
        Session s = new Session(client, transport, null, sse ? "sse" : "streamable-http", new CompletableFuture<>(),
                sse ? null : seen, sse ? 0 : seen.sessionLosses().get());
        listTools(s);
        return s;
    }

    private McpAsyncClient build(CancellingTransport transport) {
        McpClient.AsyncSpec spec = McpClient.async(transport)
                .clientInfo(new McpSchema.Implementation(options.clientName(), options.clientVersion()))
                .initializationTimeout(options.initializeTimeout())
                .requestTimeout(BACKSTOP)
                .progressConsumer(p -> {
                    Consumer<McpSchema.ProgressNotification> c = progress.get(p.progressToken());
                    if (c != null) {
                        c.accept(p);
                    }
                    return Mono.empty();
                })
                .toolsChangeConsumer(list -> {
                    tools = List.copyOf(list);
                    LOG.info("server {}: tool list changed ({} tools)", name, list.size());
                    toolListeners.forEach(Runnable::run);
                    return Mono.empty();
                })
                .loggingConsumer(m -> {
                    LOG.info("[{}] {}: {}", name, m.level(), m.data());
                    return Mono.empty();
                });
        if (options.elicitation() != null) {
            spec = spec.capabilities(McpSchema.ClientCapabilities.builder().elicitation().build())
                    .elicitation(req -> Mono.fromCallable(() -> options.elicitation().apply(req))
                            .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic()))
                    .applyElicitationDefaults(options.applyElicitationDefaults());
        }
        if (options.sampling() != null) {
            McpSchema.ClientCapabilities.Builder caps = McpSchema.ClientCapabilities.builder().sampling();
            spec = spec.capabilities((options.elicitation() != null ? caps.elicitation() : caps).build())
                    .sampling(req -> Mono.fromCallable(() -> options.sampling().apply(req))
                            .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic()));
        }
        return spec.build();
    }

    private void initialize(McpAsyncClient client) {
        try {
            client.initialize().block(options.initializeTimeout().plusSeconds(1));
        } catch (RuntimeException e) {
            throw new ServerUnavailableException(reason(e), e);
        }
        if (!client.isInitialized()) {
            throw new ServerUnavailableException("server " + name + " did not answer initialize within "
                    + options.initializeTimeout().toSeconds() + " s");
        }
    }

    private void listTools(Session s) {
        McpSchema.InitializeResult init = s.client().getCurrentInitializationResult();
        if (init != null && (init.capabilities() == null || init.capabilities().tools() == null)) {
            // a server without tools (prompts or resources only) is connected; it just offers no tools
            tools = List.of();
            return;
        }
        List<McpSchema.Tool> all = new ArrayList<>();
        String cursor = null;
        do {
            McpSchema.ListToolsResult r = s.client().listTools(cursor).block(options.initializeTimeout());
            if (r == null) {
                break;
            }
            all.addAll(r.tools());
            cursor = r.nextCursor();
        } while (cursor != null && all.size() < 10_000);
        tools = List.copyOf(all);
    }

    private void exited(Session s, String why) {
        if (closed || session != s) {
            return;
        }
        int attempt;
        String detail = "server " + name + " " + why + stderrTail();
        synchronized (lock) {
            attempt = ++restartsInARow;
            // the state first, so a call that finds no session reads why
            state = attempt > options.maxRestarts()
                    ? new ServerState(ServerState.Status.FAILED, detail + " (gave up after " + options.maxRestarts()
                    + " restarts)", null, null, s.kind())
                    : new ServerState(ServerState.Status.RESTARTING, detail, null, null, s.kind());
            session = null;
            tools = List.of();
        }
        closeQuietly(s);
        toolListeners.forEach(Runnable::run);
        if (attempt > options.maxRestarts()) {
            LOG.warn("{}", state.detail());
            return;
        }
        long backoff = Math.min(options.maxRestartBackoff().toMillis(),
                options.restartBackoff().toMillis() << Math.min(attempt - 1, 20));
        LOG.warn("{}; restart {} of {} in {} ms", detail, attempt, options.maxRestarts(), backoff);
        Thread.ofVirtual().name("restart-" + name).start(() -> {
            try {
                Thread.sleep(backoff);
                if (closed) {
                    return;
                }
                Session fresh = connect();
                install(fresh);
                LOG.info("server {}: restarted", name);
                toolListeners.forEach(Runnable::run);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                state = new ServerState(ServerState.Status.FAILED, reason(e), null, null, s.kind());
                LOG.warn("server {}: restart failed: {}", name, state.detail());
            }
        });
    }

    private String notReady() {
        ServerState st = state;
        return switch (st.status()) {
            case RESTARTING -> st.detail() + "; it is restarting";
            case CLOSED -> "server " + name + " is closed";
            case CONNECTING, READY -> "server " + name + " is not connected yet";
            case FAILED -> st.detail();
        };
    }

    private String reason(Throwable e) {
        if (e instanceof ServerUnavailableException && e.getMessage().startsWith("server " + name)) {
            return e.getMessage() + (e.getMessage().contains("last stderr") ? "" : stderrTail());
        }
        String msg = McpError.aggregateExceptionMessages(e);
        if (msg == null || msg.isBlank()) {
            msg = e.toString();
        }
        if (!msg.contains("cannot start") && (msg.contains("TimeoutException") || msg.contains("Did not observe any item"))) {
            msg = "no answer to initialize within " + options.initializeTimeout().toSeconds() + " s";
        }
        return "server " + name + ": " + msg + stderrTail();
    }

    private String stderrTail() {
        synchronized (stderr) {
            return stderr.isEmpty() ? "" : "; last stderr: " + String.join(" | ", stderr);
        }
    }

    private static boolean causedBy(Throwable t, Class<?> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    private void closeQuietly(Session s) {
        if (s.modern() != null) {
            s.modern().close();
            if (s.process() != null && s.process().isAlive()) {
                ChildProcesses.stop(s.process(), options.stopGrace());
            }
            return;
        }
        try {
            s.client().closeGracefully().block(options.stopGrace());
        } catch (RuntimeException e) {
            LOG.debug("server {}: close: {}", name, e.toString());
            s.client().close();
        }
        if (s.process() != null && s.process().isAlive()) {
            ChildProcesses.stop(s.process(), options.stopGrace());
        }
    }

    /** Closes the session and stops the child process: SIGTERM, then a kill after the grace period. */
    @Override
    public void close() {
        Session s;
        synchronized (lock) {
            closed = true;
            s = session;
            session = null;
            state = new ServerState(ServerState.Status.CLOSED, "", null, null, null);
        }
        if (s != null) {
            closeQuietly(s);
        }
    }

    /** The PID of the stdio server process, for tests and diagnostics; -1 when none. */
    public long pid() {
        Session s = session;
        return s == null || s.process() == null ? -1 : s.process().pid();
    }
}
