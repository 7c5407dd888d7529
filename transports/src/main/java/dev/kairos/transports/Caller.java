package dev.kairos.transports;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpSyncServerExchange;

import java.util.Objects;
import java.util.Set;

/**
 * Who is calling a tool: the authenticated principal and the memory groups it may touch.
 *
 * <p>Over HTTP the caller comes from the bearer token; over stdio it is the local user, who owns
 * the data and may touch every group. Tools read it with {@link #of(McpSyncServerExchange)}.
 */
public record Caller(String principal, Set<String> groups, boolean allGroups, String defaultGroup) {

    /** Key under which the HTTP host stores the caller in the MCP transport context. */
    public static final String CONTEXT_KEY = "kairos.caller";

    public Caller {
        Objects.requireNonNull(principal, "principal");
        groups = Set.copyOf(groups);
        Objects.requireNonNull(defaultGroup, "defaultGroup");
    }

    /** The local user of a stdio or loopback-without-tokens session: every group is theirs. */
    public static Caller local(String defaultGroup) {
        return new Caller("local", Set.of(), true, defaultGroup);
    }

    /** Whether this caller may read or write the given group. */
    public boolean mayAccess(String group) {
        return allGroups || groups.contains(group);
    }

    /** The caller of the request behind this exchange; the local user when the transport set none. */
    public static Caller of(McpSyncServerExchange exchange, String fallbackDefaultGroup) {
        return of(exchange == null ? null : exchange.transportContext(), fallbackDefaultGroup);
    }

    static Caller of(McpTransportContext context, String fallbackDefaultGroup) {
        if (context != null && context.get(CONTEXT_KEY) instanceof Caller caller) {
            return caller;
        }
        return local(fallbackDefaultGroup);
    }
}
