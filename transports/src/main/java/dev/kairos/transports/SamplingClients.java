package dev.kairos.transports;

import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * Connected clients that declared the {@code sampling} capability, so work outside any request (memory extraction)
 * can ask their model with {@code sampling/createMessage}.
 *
 * <p>Each entry holds a session-level exchange: over Streamable HTTP the endpoint registers the session itself at
 * {@code initialize} (its requests go out on the client's GET stream); over stdio and legacy SSE the exchange a tool
 * call gets is already session-level, so the first call of a sampling client registers it.
 */
public final class SamplingClients {

    /**
     * One client that can sample.
     *
     * @param sessionId the MCP session
     * @param exchange  sends requests to the client; its transport context carries the {@link Caller}
     * @param reachable whether a request can reach the client now (an HTTP client needs its GET stream open)
     */
    public record Client(String sessionId, McpSyncServerExchange exchange, BooleanSupplier reachable) {
        /** Who the client is, for the groups its model may read. */
        public Caller caller(String defaultGroup) {
            return Caller.of(exchange, defaultGroup);
        }
    }

    private final Map<String, Client> clients = new ConcurrentHashMap<>();

    /** Registers a session-level exchange of a client (ignored unless it declared sampling). */
    public void register(String sessionId, McpSyncServerExchange exchange, BooleanSupplier reachable) {
        if (offersSampling(exchange.getClientCapabilities())) {
            clients.put(sessionId, new Client(sessionId, exchange, reachable));
        }
    }

    /** The exchange of a request on stdio or legacy SSE, which is session-level: the first one registers its client. */
    public void offer(McpSyncServerExchange exchange) {
        String id = exchange.sessionId();
        if (id != null && !clients.containsKey(id) && offersSampling(exchange.getClientCapabilities())) {
            clients.putIfAbsent(id, new Client(id, exchange, () -> true));
        }
    }

    /** The session has ended (or stopped answering). */
    public void remove(String sessionId) {
        if (sessionId != null) {
            clients.remove(sessionId);
        }
    }

    /** The clients that can be asked now. */
    public List<Client> reachable() {
        return clients.values().stream().filter(c -> c.reachable().getAsBoolean()).toList();
    }

    /** How many sampling clients are connected (reachable or not). */
    public int count() {
        return clients.size();
    }

    private static boolean offersSampling(McpSchema.ClientCapabilities caps) {
        return caps != null && caps.sampling() != null;
    }
}
