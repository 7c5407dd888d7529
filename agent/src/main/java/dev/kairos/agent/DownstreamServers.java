package dev.kairos.agent;

import dev.kairos.transports.ClientOptions;
import dev.kairos.transports.McpServerConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The servers of an {@code mcpServers} file, connected in parallel at start: one that fails is
 * reported (its provider is FAILED and offers no tools) and the others work.
 */
public final class DownstreamServers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DownstreamServers.class);
    private final List<McpToolProvider> providers;
    private final Map<String, McpServerSettings> settings;

    private DownstreamServers(List<McpToolProvider> providers, Map<String, McpServerSettings> settings) {
        this.providers = List.copyOf(providers);
        this.settings = Map.copyOf(settings);
    }

    /** Connects every enabled server at once; returns when each is ready or has failed (each bounded). */
    public static DownstreamServers connect(List<McpServerSettings> servers, ClientOptions options) throws InterruptedException {
        Map<String, McpServerSettings> byName = new LinkedHashMap<>();
        servers.forEach(s -> byName.put(s.name(), s));
        List<Future<McpServerConnection>> pending = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (McpServerSettings s : servers) {
                if (s.enabled()) {
                    pending.add(pool.submit(() -> McpServerConnection.open(s.name(), s.endpoint(), options)));
                }
            }
            List<McpToolProvider> out = new ArrayList<>();
            for (Future<McpServerConnection> f : pending) {
                try {
                    out.add(new McpToolProvider(f.get()));
                } catch (ExecutionException e) {
                    LOG.warn("a server failed to connect: {}", e.getCause().toString());
                }
            }
            return new DownstreamServers(out, byName);
        }
    }

    /** One provider per enabled server, in the file's order. */
    public List<McpToolProvider> providers() {
        return providers;
    }

    public Map<String, McpServerSettings> settings() {
        return settings;
    }

    /** A catalogue of these servers' tools after {@code first} (in-process tools, for example). */
    public LiveCatalogue catalogue(List<ToolProvider> first, Duration defaultTimeout) {
        List<ToolProvider> all = new ArrayList<>(first);
        all.addAll(providers);
        return new LiveCatalogue(all, settings, defaultTimeout);
    }

    /** Stops every server; child processes get SIGTERM, then a kill after the grace period. */
    @Override
    public void close() {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            providers.forEach(p -> pool.submit(p::close));
        }
    }
}
