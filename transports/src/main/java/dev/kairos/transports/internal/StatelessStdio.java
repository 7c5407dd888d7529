package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.common.McpTransportContext;

import java.util.function.Consumer;

/**
 * MCP's stateless 2026-07-28 revision on stdio, beside the SDK's session: a request whose
 * {@code _meta} names a stateless revision, or {@code server/discover} (the revision's probe), is
 * answered by the dispatcher; {@code subscriptions/listen} streams until the client cancels it.
 */
public final class StatelessStdio implements PendingRequests.StatelessLines {
    private final StatelessDispatcher dispatcher;
    private final Subscriptions subscriptions;
    private final McpTransportContext context;

    /**
     * @param context what handlers see of the transport (the local user)
     */
    public StatelessStdio(StatelessDispatcher dispatcher, Subscriptions subscriptions, McpTransportContext context) {
        this.dispatcher = dispatcher;
        this.subscriptions = subscriptions;
        this.context = context;
    }

    @Override
    public boolean claims(JsonNode request) {
        if ("server/discover".equals(request.path("method").asText())) {
            return true;
        }
        JsonNode version = request.path("params").path("_meta").get(Revision2026.META_VERSION);
        return version != null && version.isTextual() && Revision2026.isStateless(version.asText());
    }

    @Override
    public boolean streams(JsonNode request) {
        return "subscriptions/listen".equals(request.path("method").asText());
    }

    @Override
    public void answer(JsonNode request, Consumer<JsonNode> write) {
        if (streams(request)) {
            JsonNode version = request.path("params").path("_meta").path(Revision2026.META_VERSION);
            if (!Revision2026.VERSION.equals(version.asText())) {
                write.accept(dispatcher.unsupportedVersion(request.get("id"), version.asText()).body());
                return;
            }
            subscriptions.listen(request, new Subscriptions.Sink() {
                @Override
                public boolean send(JsonNode message) {
                    write.accept(message);
                    return !Thread.currentThread().isInterrupted();
                }

                @Override
                public boolean keepAlive() {
                    return !Thread.currentThread().isInterrupted(); // stdio needs no keep-alive
                }
            });
            return;
        }
        write.accept(dispatcher.handle(request, context, "local", write::accept).body());
    }

    @Override
    public void endStreams() {
        subscriptions.close();
    }
}
