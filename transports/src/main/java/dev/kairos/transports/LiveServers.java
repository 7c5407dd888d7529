package dev.kairos.transports;

import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The SDK servers running in this process (one per transport), so a change in the data can be
 * announced to every subscribed client whatever transport it came in on.
 */
public final class LiveServers {
    private static final Logger log = LoggerFactory.getLogger(LiveServers.class);
    private final List<McpSyncServer> servers = new CopyOnWriteArrayList<>();
    private final Cancellations cancellations = new Cancellations();
    private final List<java.util.function.Consumer<String>> resourceListeners = new CopyOnWriteArrayList<>();
    private final SamplingClients samplingClients = new SamplingClients();

    /** The calls a client may cancel, on any transport that reports cancellations. */
    public Cancellations cancellations() {
        return cancellations;
    }

    /** The connected clients whose model may be asked outside a request (sampling), on every transport. */
    public SamplingClients samplingClients() {
        return samplingClients;
    }

    public void add(McpSyncServer server) {
        servers.add(server);
    }

    public void remove(McpSyncServer server) {
        servers.remove(server);
    }

    /** Also tells {@code listener} of every changed resource (the 2026-07-28 listen streams). */
    public void onResourceUpdated(java.util.function.Consumer<String> listener) {
        resourceListeners.add(listener);
    }

    /** Tells the subscribers of {@code uri} on every transport that the resource changed. */
    public void resourceUpdated(String uri) {
        resourceListeners.forEach(l -> l.accept(uri));
        for (McpSyncServer server : servers) {
            try {
                server.notifyResourcesUpdated(new McpSchema.ResourcesUpdatedNotification(uri));
            } catch (RuntimeException e) {
                // One broken client stream must not stop the others from hearing about the change.
                log.debug("resource update for {} not delivered: {}", uri, e.toString());
            }
        }
    }
}
