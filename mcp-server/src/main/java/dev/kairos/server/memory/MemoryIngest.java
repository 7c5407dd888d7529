package dev.kairos.server.memory;

import dev.kairos.inference.Engines;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.ingest.IngestQueue;
import dev.kairos.memory.ingest.Ingestion;
import dev.kairos.memory.ingest.ModelForExtraction;
import dev.kairos.memory.ingest.ModelSource;
import dev.kairos.server.config.ExtractionConfig;
import dev.kairos.transports.SamplingClients;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Memory extraction in a running server: the model chosen from {@code memory.extraction} (an engine, else a connected
 * MCP client's model through sampling), the {@link Ingestion} worker on the durable queue, and what the tools and
 * status need of it. Closing it stops the worker cleanly; an episode in progress goes back to pending at the next start.
 */
public final class MemoryIngest implements AutoCloseable {
    /** No extraction at all (memory off, or {@code memory.extraction.enabled: false}). */
    public static final MemoryIngest OFF = new MemoryIngest(null, null, null, "extraction is off (memory.extraction.enabled is false)");

    private final MemoryGraph graph;
    private final Ingestion ingestion;
    private final Engines engines;
    private final String off;
    private volatile Cached cached;

    private record Cached(IngestQueue.Counts counts, long at) {
    }

    private MemoryIngest(MemoryGraph graph, Ingestion ingestion, Engines engines, String off) {
        this.graph = graph;
        this.ingestion = ingestion;
        this.engines = engines;
        this.off = off;
    }

    /** Starts the worker in the background; nothing here waits for the database or the engine. */
    public static MemoryIngest start(MemoryGraph graph, ExtractionConfig.Resolved config, SamplingClients clients, String defaultGroup) {
        if (!config.enabled()) {
            return new MemoryIngest(graph, null, null, "extraction is off (memory.extraction.enabled is false)");
        }
        Engines engines = null;
        ModelSource source;
        if (config.endpoint() != null) {
            engines = new Engines();
            source = ModelSource.of(ModelForExtraction.engine(engines.endpoint(config.endpoint()),
                    "engine " + config.endpoint().url() + " model " + config.endpoint().model() + " (" + config.from() + ")"));
        } else if (config.sampling()) {
            source = SamplingModel.source(clients, defaultGroup, "no extraction engine is configured (memory.extraction.endpoint or "
                    + "inference.endpoints) and no connected MCP client offers sampling");
        } else {
            source = ModelSource.none("no extraction engine is configured (memory.extraction.endpoint or inference.endpoints) "
                    + "and memory.extraction.sampling is false");
        }
        var settings = new Ingestion.Settings(config.parallelGroups(), config.maxAttempts(), Duration.ofSeconds(2),
                Duration.ofSeconds(5), List.of());
        return new MemoryIngest(graph, Ingestion.start(graph, source, settings), engines, null);
    }

    /** One line: where the model comes from, or why episodes stay pending. */
    public String describe() {
        return ingestion != null ? ingestion.describe() : off;
    }

    /** Looks at the queue now (after an episode was added or failed ones re-queued) instead of at the next poll. */
    public void wake() {
        if (ingestion != null) {
            ingestion.wake();
        }
    }

    /** The whole queue and the model line, for kairos_status and /health (counted at most every 2 s); null while the graph starts. */
    public Map<String, Object> queue() {
        if (graph == null || !graph.status().isReady()) {
            return null;
        }
        Cached last = cached;
        long now = System.nanoTime();
        if (last == null || now - last.at() > Duration.ofSeconds(2).toNanos()) {
            last = new Cached(graph.ingestQueue().counts(List.of()), now);
            cached = last;
        }
        IngestQueue.Counts c = last.counts();
        var out = new LinkedHashMap<String, Object>();
        out.put("pending", c.pending());
        out.put("processing", c.processing());
        out.put("done", c.done());
        out.put("failed", c.failed());
        out.put("model", describe());
        return out;
    }

    /** The queue counts as one line, e.g. {@code 2 pending, 0 processing, 10 done, 1 failed}. */
    public static String line(IngestQueue.Counts c) {
        return c.pending() + " pending, " + c.processing() + " processing, " + c.done() + " done, " + c.failed() + " failed";
    }

    @Override
    public void close() {
        if (ingestion != null) {
            ingestion.close();
        }
        if (engines != null) {
            engines.close();
        }
    }
}
