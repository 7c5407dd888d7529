package dev.kairos.server.conformance;

import dev.kairos.transports.LiveServers;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.spec.McpSchema.ReadResourceResult;
import io.modelcontextprotocol.spec.McpSchema.Resource;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code test://watched-resource}: a resource whose text changes on demand, so subscribers of every
 * transport have something to hear about.
 */
final class WatchedResource {
    static final String URI = "test://watched-resource";

    private final AtomicLong revision = new AtomicLong();
    private final LiveServers liveServers;

    WatchedResource(LiveServers liveServers) {
        this.liveServers = liveServers;
    }

    String text() {
        return "Watched resource content, revision " + revision.get();
    }

    /** Changes the content and tells the subscribers; returns the new revision. */
    long touch() {
        long now = revision.incrementAndGet();
        liveServers.resourceUpdated(URI);
        return now;
    }

    SyncResourceSpecification specification() {
        Resource resource = Resource.builder(URI, "watched-resource")
                .title("Watched Resource")
                .description("A subscribable resource; the tool test_update_watched_resource changes it")
                .mimeType("text/plain")
                .build();
        return new SyncResourceSpecification(resource, (exchange, request) -> new ReadResourceResult(
                List.of(new TextResourceContents(URI, "text/plain", text()))));
    }
}
