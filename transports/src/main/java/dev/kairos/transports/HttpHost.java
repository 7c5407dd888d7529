package dev.kairos.transports;

import dev.kairos.transports.internal.BearerAuth;
import dev.kairos.transports.internal.CachedSchemaValidator;
import dev.kairos.transports.internal.HostOriginCheck;
import dev.kairos.transports.internal.InFlightPosts;
import dev.kairos.transports.internal.JsonRpcErrorPage;
import dev.kairos.transports.internal.JsonRpcGate;
import dev.kairos.transports.internal.NoCopyJsonMapper;
import dev.kairos.transports.internal.RequestState;
import dev.kairos.transports.internal.StatelessDispatcher;
import dev.kairos.transports.internal.StatelessEndpoint;
import dev.kairos.transports.internal.StreamableEndpoint;
import dev.kairos.transports.internal.Subscriptions;
import dev.kairos.transports.internal.SubscribeCheck;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import java.util.EnumSet;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.McpTransportContextExtractor;
import io.modelcontextprotocol.server.transport.HttpServletSseServerTransportProvider;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.server.handler.SizeLimitHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The HTTP endpoint: Streamable HTTP at {@code /mcp}, legacy HTTP+SSE at {@code /sse} and
 * {@code /message} (for 2024-11-05 clients) and a health check at {@code /health}, on Jetty 12.
 *
 * <p>Requests pass, in order: Host/Origin check (403), bearer token (401), then the Streamable HTTP
 * handler or the servlets (legacy SSE, health); both refuse bodies over the size limit (413). The
 * MCP code never sees a request that failed a check.
 */
public final class HttpHost implements AutoCloseable {
    public static final String MCP_PATH = "/mcp";
    public static final String SSE_PATH = "/sse";
    public static final String MESSAGE_PATH = "/message";
    public static final String HEALTH_PATH = "/health";

    private static final Logger log = LoggerFactory.getLogger(HttpHost.class);

    private final HttpSettings settings;
    private final Server server;
    private final ServerConnector connector;
    private final GracefulHandler graceful;
    private final StreamableEndpoint streamable;
    private final HttpServletSseServerTransportProvider legacySse;
    private final McpSyncServer streamableServer;
    private final McpSyncServer sseServer;
    private final LiveServers liveServers;
    private final InFlight inFlight = new InFlight();
    private final Subscriptions subscriptions;
    /** How long a client has to answer a 2026-07-28 input request and retry. */
    private static final Duration STATE_TTL = Duration.ofMinutes(30);

    /**
     * Builds (but does not start) the host.
     *
     * @param health a JSON document describing readiness, served at {@code /health}
     */
    public HttpHost(HttpSettings settings, McpFeatures features, LiveServers liveServers,
                    String defaultGroup, Supplier<String> health) {
        settings.checkSafeToStart();
        this.settings = settings;
        this.liveServers = liveServers;
        ObjectMapper jackson = new ObjectMapper();
        McpJsonMapper json = new NoCopyJsonMapper(new JacksonMcpJsonMapper(jackson));
        McpTransportContextExtractor<HttpServletRequest> callerOf = request -> contextOf(request.getAttribute(Caller.CONTEXT_KEY));

        // Streamable HTTP is our own Jetty handler (JSON replies when nothing streams, one parse per
        // message); the legacy SSE endpoints stay on the SDK's servlet.
        streamable = new StreamableEndpoint(MCP_PATH, jackson, json, settings.maxRequestBytes(),
                settings.keepAliveInterval(), settings.sessionIdleTimeout(),
                request -> contextOf(request.getAttribute(Caller.CONTEXT_KEY)),
                request -> request.getAttribute(Caller.CONTEXT_KEY) instanceof Caller c ? c.principal() : "local",
                settings.maxSessionsPerToken(), subscribeCheck(features.subscriptions(), defaultGroup),
                liveServers.samplingClients());
        legacySse = HttpServletSseServerTransportProvider.builder()
                .jsonMapper(json)
                .sseEndpoint(SSE_PATH)
                .messageEndpoint(MESSAGE_PATH)
                .contextExtractor(callerOf)
                .keepAliveInterval(settings.keepAliveInterval())
                .maxRequestSize(settings.maxRequestBytes())
                .build();
        McpFeatures tracked = features.trackedBy(inFlight);
        CachedSchemaValidator validator = new CachedSchemaValidator(features.tools().stream().map(t -> t.tool().inputSchema()).toList());
        // Tool handlers run on the request's own (virtual) thread rather than hopping to Reactor's
        // boundedElastic pool and back: about 40 % less CPU per call.
        streamableServer = tracked.applyTo(McpServer.sync(streamable).jsonMapper(json)
                .jsonSchemaValidator(validator).immediateExecution(true)).build();
        sseServer = tracked.offeringSampling(liveServers.samplingClients()).applyTo(McpServer.sync(legacySse).jsonMapper(json)
                .jsonSchemaValidator(validator).immediateExecution(true)).build();

        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        addServlet(context, legacySse, SSE_PATH, MESSAGE_PATH);
        addServlet(context, new HealthServlet(health), HEALTH_PATH);
        FilterHolder gate = new FilterHolder(new JsonRpcGate(subscribeCheck(features.subscriptions(), defaultGroup)));
        context.addFilter(gate, MESSAGE_PATH, EnumSet.of(DispatcherType.REQUEST));

        QueuedThreadPool threads = new QueuedThreadPool(256, 8);
        threads.setName("kairos-http");
        // Handlers (and so tool calls, which run inline) get virtual threads: a slow tool or a
        // waiting stream holds no platform thread.
        threads.setVirtualThreadsExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        http.setSendXPoweredBy(false);
        connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(settings.host());
        connector.setPort(settings.port());
        server.addConnector(connector);

        // The Streamable HTTP endpoint bounds its own body reads; the servlets get Jetty's size limit.
        SizeLimitHandler sizeLimit = new SizeLimitHandler(settings.maxRequestBytes(), -1);
        sizeLimit.setHandler(context);
        // MCP 2026-07-28 (stateless) requests are answered by a wrapper; the rest reach the session endpoint.
        subscriptions = new Subscriptions(jackson, settings.keepAliveInterval());
        liveServers.onResourceUpdated(subscriptions::resourceUpdated);
        byte[] stateKey = settings.requestStateKey() == null ? RequestState.randomKey()
                : settings.requestStateKey().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        var stateless = new StatelessDispatcher(tracked, jackson, json, validator,
                new RequestState(jackson, stateKey, STATE_TTL, java.time.Clock.systemUTC()));
        Handler mcp = new StatelessEndpoint(new Handler.Sequence(streamable, sizeLimit), MCP_PATH, jackson, stateless,
                subscriptions, settings.maxRequestBytes(),
                request -> contextOf(request.getAttribute(Caller.CONTEXT_KEY)),
                request -> request.getAttribute(Caller.CONTEXT_KEY) instanceof Caller c ? c.principal() : "local",
                (request, uri) -> {
                    Caller caller = request.getAttribute(Caller.CONTEXT_KEY) instanceof Caller c ? c : Caller.local(defaultGroup);
                    try {
                        features.subscriptions().check(caller, uri);
                        return true;
                    } catch (RuntimeException refused) {
                        return false;
                    }
                });
        Handler chain = new BearerAuth(mcp, settings.tokens(), defaultGroup, Set.of(HEALTH_PATH));
        chain = new HostOriginCheck(chain, settings.allowedHosts(), settings.allowedOrigins(),
                !settings.isLoopback() && settings.allowedHosts().isEmpty());
        chain = new InFlightPosts(chain, inFlight);
        graceful = new GracefulHandler(chain);
        server.setHandler(graceful);
        server.setErrorHandler(new JsonRpcErrorPage());
        server.setStopTimeout(settings.shutdownGrace().toMillis());
        server.setStopAtShutdown(false);
    }

    /** The features' subscription guard, answering for the request's caller (the local user when no token is set). */
    private static SubscribeCheck subscribeCheck(SubscriptionGuard guard, String defaultGroup) {
        if (guard == SubscriptionGuard.ANY) {
            return SubscribeCheck.NONE;
        }
        return (callerAttribute, call) -> {
            Caller caller = callerAttribute instanceof Caller c ? c : Caller.local(defaultGroup);
            if (!(call.params() instanceof Map<?, ?> params) || !(params.get("uri") instanceof String uri)) {
                return null; // the SDK answers a subscribe without a uri itself
            }
            try {
                guard.check(caller, uri);
                return null;
            } catch (McpError e) {
                return e.getJsonRpcError() != null ? e.getJsonRpcError() : new McpSchema.JSONRPCResponse.JSONRPCError(
                        McpSchema.ErrorCodes.INTERNAL_ERROR, "Internal error while checking the subscription", null);
            } catch (RuntimeException e) {
                log.warn("Checking a subscription to {} failed: {}", uri, e.toString());
                return new McpSchema.JSONRPCResponse.JSONRPCError(McpSchema.ErrorCodes.INTERNAL_ERROR,
                        "Internal error while checking the subscription", null);
            }
        };
    }

    private static McpTransportContext contextOf(Object caller) {
        return caller instanceof Caller c ? McpTransportContext.create(Map.of(Caller.CONTEXT_KEY, c)) : McpTransportContext.EMPTY;
    }

    private static void addServlet(ServletContextHandler context, HttpServlet servlet, String... paths) {
        ServletHolder holder = new ServletHolder(servlet);
        holder.setAsyncSupported(true);
        for (String path : paths) {
            context.addServlet(holder, path);
        }
    }

    /** Starts listening; the port is known afterwards. */
    public HttpHost start() throws Exception {
        server.start();
        liveServers.add(streamableServer);
        liveServers.add(sseServer);
        log.debug("MCP endpoint listening on {}{} (legacy SSE at {}{})", baseUrl(), MCP_PATH, baseUrl(), SSE_PATH);
        return this;
    }

    /** The bound port (the real one when configured with 0). */
    public int port() {
        return connector.getLocalPort();
    }

    public String baseUrl() {
        String host = settings.host().contains(":") ? "[" + settings.host() + "]" : settings.host();
        return "http://" + host + ":" + port();
    }

    /** Calls and POSTs still being answered. */
    public int inFlight() {
        return inFlight.count();
    }

    /**
     * Graceful stop: refuse new requests (503), let accepted calls finish within the grace period,
     * then close the MCP sessions (ending open streams) and the server.
     */
    @Override
    public void close() {
        Duration grace = settings.shutdownGrace();
        try {
            subscriptions.close();
            graceful.shutdown();
            if (!inFlight.awaitIdle(grace)) {
                log.warn("{} call(s) still running after {} s of grace; stopping anyway", inFlight.count(), grace.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        liveServers.remove(streamableServer);
        liveServers.remove(sseServer);
        closeQuietly(streamableServer);
        closeQuietly(sseServer);
        try {
            server.stop();
        } catch (Exception e) {
            log.warn("HTTP server did not stop cleanly: {}", e.toString());
        }
    }

    private static void closeQuietly(McpSyncServer mcp) {
        try {
            mcp.closeGracefully();
        } catch (RuntimeException e) {
            log.debug("MCP server close: {}", e.toString());
        }
    }

    /** Answers {@code /health} with the readiness document. */
    private static final class HealthServlet extends HttpServlet {
        private final transient Supplier<String> health;

        HealthServlet(Supplier<String> health) {
            this.health = health;
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("application/json");
            resp.setCharacterEncoding("UTF-8");
            resp.getWriter().write(health.get());
        }
    }
}
