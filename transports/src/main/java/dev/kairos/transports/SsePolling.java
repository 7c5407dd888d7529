package dev.kairos.transports;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpSyncServerExchange;

import java.util.function.BooleanSupplier;

/**
 * SSE polling (MCP 2025-11-25): a long tool call over Streamable HTTP may let go of the client's
 * connection without ending the call. The client reconnects with a GET carrying the last event id it
 * saw, after the delay the server gave in the SSE {@code retry} field, and gets everything the call
 * sent meanwhile, its result included.
 */
public final class SsePolling {
    /** Key under which the Streamable HTTP endpoint puts the call's stream control in the transport context. */
    public static final String CONTEXT_KEY = "kairos.sse-polling";

    private SsePolling() {
    }

    /**
     * Closes the HTTP connection that carries this call's messages, leaving the stream (and the
     * call) running. The stream is started first if the call had sent nothing yet, so the client holds
     * an event id to resume from.
     *
     * @return false where there is no such connection: stdio, the legacy SSE transport, a client that
     *         negotiated a revision before 2025-11-25 (it may not reconnect), or a call already answered
     */
    public static boolean closeConnection(McpSyncServerExchange exchange) {
        McpTransportContext context = exchange == null ? null : exchange.transportContext();
        return context != null && context.get(CONTEXT_KEY) instanceof BooleanSupplier close && close.getAsBoolean();
    }
}
