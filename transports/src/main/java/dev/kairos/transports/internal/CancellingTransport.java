package dev.kairos.transports.internal;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Wraps a client transport to learn the JSON-RPC id of each {@code tools/call} (keyed by the
 * progress token we put in its {@code _meta}), so a call that times out or is interrupted can be
 * cancelled downstream with {@code notifications/cancelled}: the SDK 2.1.0 client never sends it.
 */
public final class CancellingTransport implements McpClientTransport {
    private static final Logger LOG = LoggerFactory.getLogger(CancellingTransport.class);
    private final McpClientTransport inner;
    private final String server;
    private final Map<Object, Object> idsByToken = new ConcurrentHashMap<>();

    public CancellingTransport(McpClientTransport inner, String server) {
        this.inner = inner;
        this.server = server;
    }

    @Override
    public Mono<Void> connect(Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
        return inner.connect(handler);
    }

    @Override
    public void setExceptionHandler(Consumer<Throwable> handler) {
        inner.setExceptionHandler(handler);
    }

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
        if (message instanceof McpSchema.JSONRPCRequest r && McpSchema.METHOD_TOOLS_CALL.equals(r.method())) {
            Object token = progressToken(r.params());
            if (token != null) {
                idsByToken.put(token, r.id());
            }
        }
        return inner.sendMessage(message);
    }

    /** Tells the server to stop the call sent with {@code token}; fire and forget, safe on an interrupted thread. */
    public void cancel(Object token, String reason) {
        Object id = idsByToken.remove(token);
        if (id == null) {
            return;
        }
        LOG.debug("server {}: cancelling request {} ({})", server, id, reason);
        inner.sendMessage(new McpSchema.JSONRPCNotification(McpSchema.JSONRPC_VERSION,
                        "notifications/cancelled", Map.of("requestId", id, "reason", reason)))
                .subscribe(null, e -> LOG.debug("server {}: cancellation not sent: {}", server, e.toString()));
    }

    /** The JSON-RPC id of the call sent with {@code token}, or null once it ended or before it was sent. */
    public Object requestId(Object token) {
        return idsByToken.get(token);
    }

    /** Forgets a call that ended. */
    public void done(Object token) {
        idsByToken.remove(token);
    }

    private static Object progressToken(Object params) {
        if (params instanceof McpSchema.CallToolRequest c && c.meta() != null) {
            return c.meta().get("progressToken");
        }
        if (params instanceof Map<?, ?> m && m.get("_meta") instanceof Map<?, ?> meta) {
            return meta.get("progressToken");
        }
        return null;
    }

    @Override
    public Mono<Void> closeGracefully() {
        return inner.closeGracefully();
    }

    @Override
    public void close() {
        inner.close();
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
        return inner.unmarshalFrom(data, typeRef);
    }

    @Override
    public List<String> protocolVersions() {
        return inner.protocolVersions();
    }
}
