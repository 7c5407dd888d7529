package dev.kairos.memory.ingest;

import dev.kairos.memory.Episode;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.internal.Workers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Works the durable ingest queue: one worker per group takes its episodes in order (so later facts supersede earlier
 * ones), groups run in parallel up to {@code parallelGroups}. At start, episodes a stopped process left "processing"
 * go back to pending. Without a model, episodes stay pending (still searchable as raw episodes) and
 * {@link #describe()} says why.
 */
public final class Ingestion implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Ingestion.class);

    /**
     * @param parallelGroups groups extracted at once (the engine's capacity)
     * @param maxAttempts    engine failures tolerated per episode before it is marked failed
     * @param poll           how often the queue is looked at when nobody wakes it
     * @param backoff        how long a group waits after an engine failure
     * @param groups         the groups this worker serves (empty: all)
     */
    public record Settings(int parallelGroups, int maxAttempts, Duration poll, Duration backoff, List<String> groups) {
        public static final Settings DEFAULTS = new Settings(4, 3, Duration.ofSeconds(2), Duration.ofSeconds(5), List.of());

        public Settings {
            groups = groups == null ? List.of() : List.copyOf(groups);
        }
    }

    private final MemoryGraph graph;
    private final ModelSource models;
    private final Settings settings;
    private final Semaphore wake = new Semaphore(0);
    private final Semaphore capacity;
    private final Set<String> active = ConcurrentHashMap.newKeySet();
    private final Map<String, Instant> resting = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final Thread dispatcher;
    /** A problem reading the queue, or null. */
    private volatile String state;
    private volatile boolean closed;
    private volatile boolean holding;
    private Instant leaseRenewed;
    private final String worker = Workers.newId();
    /** How long the queue stays ours without renewal (renewed every poll); a crashed holder on this machine frees it at once. */
    private static final Duration LEASE = Duration.ofSeconds(60);

    private Ingestion(MemoryGraph graph, ModelSource models, Settings settings) {
        this.graph = graph;
        this.models = models;
        this.settings = settings;
        this.capacity = new Semaphore(settings.parallelGroups());
        this.dispatcher = Thread.ofPlatform().name("kairos-ingest").daemon(true).unstarted(this::dispatch);
    }

    /**
     * Starts working the queue in the background; {@code models} is asked for each group before each round (a sampling
     * client may connect later, and may read only its own groups).
     */
    public static Ingestion start(MemoryGraph graph, ModelSource models, Settings settings) {
        Ingestion i = new Ingestion(graph, models, settings);
        i.dispatcher.start();
        return i;
    }

    /** One model for every group, or none ({@code noModelReason} is what status then says). */
    public static Ingestion start(MemoryGraph graph, Supplier<Optional<ModelForExtraction>> models, String noModelReason,
                                  Settings settings) {
        return start(graph, new ModelSource() {
            @Override
            public Optional<ModelForExtraction> modelFor(String groupId) {
                return models.get();
            }

            @Override
            public String describe() {
                return models.get().map(m -> "extracting with " + m.describe()).orElse("episodes stay pending: " + noModelReason);
            }
        }, settings);
    }

    /** Looks at the queue now (after add_memory or a retry) instead of at the next poll. */
    public void wake() {
        wake.release();
    }

    /** One line: where the model comes from, or why episodes stay pending (or that the queue cannot be read). */
    public String describe() {
        String problem = state;
        return problem != null ? problem : models.describe();
    }

    private void dispatch() {
        while (!closed) {
            try {
                if (!graph.awaitReady(settings.poll()).isReady()) {
                    state = "memory not ready: " + graph.status().describe();
                } else if (!renewLease()) {
                    holding = false;
                    state = "another Kairos process on this store works the queue";
                } else {
                    if (!holding) {
                        // Whatever is still "processing" belonged to a worker that stopped (the lease was free).
                        int n = graph.ingestQueue().resumeInterrupted();
                        if (n > 0) log.info("ingest: {} episode(s) left processing by a stopped process are pending again", n);
                        holding = true;
                    }
                    state = null;
                    dispatchGroups();
                }
            } catch (RuntimeException e) {
                if (closed) return;
                state = "queue unavailable: " + e.getMessage();
                log.warn("ingest: {}", e.toString());
            }
            try {
                wake.tryAcquire(settings.poll().toMillis(), TimeUnit.MILLISECONDS);
                wake.drainPermits();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Takes the lease, or renews it once a third of it has passed (not on every poll: each renewal is a write). */
    private boolean renewLease() {
        Instant now = Instant.now();
        if (holding && leaseRenewed != null && now.isBefore(leaseRenewed.plus(LEASE.dividedBy(3)))) return true;
        boolean mine = graph.ingestQueue().holdLease(worker, LEASE);
        leaseRenewed = mine ? now : null;
        return mine;
    }

    private void dispatchGroups() {
        for (String group : graph.ingestQueue().pendingGroups(256)) {
            Instant until = resting.get(group);
            if (until != null && until.isAfter(Instant.now())) continue;
            if (!settings.groups().isEmpty() && !settings.groups().contains(group)) continue;
            if (active.contains(group)) continue;
            Optional<ModelForExtraction> model = models.modelFor(group);
            if (model.isEmpty()) continue;
            if (!active.add(group)) continue;
            if (!capacity.tryAcquire()) {
                active.remove(group);
                break;
            }
            workers.submit(() -> work(group, model.get()));
        }
    }

    private void work(String group, ModelForExtraction model) {
        try {
            IngestQueue queue = graph.ingestQueue();
            while (!closed && holding) {
                Optional<Episode> next = queue.claimNext(group);
                if (next.isEmpty()) return;
                Episode e = next.get();
                try {
                    Extraction.Outcome out = Extraction.run(graph, model, e);
                    queue.finish(e.uuid(), Episode.Extraction.DONE, null, null);
                    log.debug("ingest: episode {} gave {} facts in {} model calls", e.uuid(), out.facts().size(), out.modelCalls());
                } catch (Extraction.Failed f) {
                    queue.finish(e.uuid(), Episode.Extraction.FAILED, f.getMessage(), f.rawAnswer());
                    log.warn("ingest: episode {} failed: {}", e.uuid(), f.getMessage());
                } catch (RuntimeException x) {
                    if (closed) return;
                    // The engine (or the database) failed: the episode keeps its place; the group rests a while.
                    int attempts = queue.entry(e.uuid()).map(IngestQueue.Entry::attempts).orElse(settings.maxAttempts());
                    boolean last = attempts >= settings.maxAttempts();
                    queue.finish(e.uuid(), last ? Episode.Extraction.FAILED : Episode.Extraction.PENDING, x.toString(), null);
                    log.warn("ingest: episode {} attempt {} failed: {}", e.uuid(), attempts, x.toString());
                    resting.put(group, Instant.now().plus(settings.backoff()));
                    return;
                }
            }
        } catch (RuntimeException x) {
            if (!closed) log.warn("ingest: group {} stopped: {}", group, x.toString());
        } finally {
            active.remove(group);
            capacity.release();
        }
    }

    /** Stops taking episodes; one in progress stays "processing" and goes back to pending at the next start. */
    @Override
    public void close() {
        closed = true;
        dispatcher.interrupt();
        workers.shutdownNow();
        try {
            dispatcher.join(Duration.ofSeconds(5));
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (holding) {
            try {
                graph.ingestQueue().releaseLease(worker);
            } catch (RuntimeException e) {
                log.debug("ingest: lease not released: {}", e.toString());
            }
        }
    }
}
