package dev.kairos.memory.ingest;

import dev.kairos.memory.Episode;
import dev.kairos.memory.MemoryGraph;
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
    private final Supplier<Optional<ModelForExtraction>> models;
    private final String noModelReason;
    private final Settings settings;
    private final Semaphore wake = new Semaphore(0);
    private final Semaphore capacity;
    private final Set<String> active = ConcurrentHashMap.newKeySet();
    private final Map<String, Instant> resting = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final Thread dispatcher;
    private volatile String state = "starting";
    private volatile boolean closed;

    private Ingestion(MemoryGraph graph, Supplier<Optional<ModelForExtraction>> models, String noModelReason, Settings settings) {
        this.graph = graph;
        this.models = models;
        this.noModelReason = noModelReason;
        this.settings = settings;
        this.capacity = new Semaphore(settings.parallelGroups());
        this.dispatcher = Thread.ofPlatform().name("kairos-ingest").daemon(true).unstarted(this::dispatch);
    }

    /**
     * Starts working the queue in the background; {@code models} is asked before each round (a sampling client may
     * connect later), {@code noModelReason} is what status says while it has none.
     */
    public static Ingestion start(MemoryGraph graph, Supplier<Optional<ModelForExtraction>> models, String noModelReason,
                                  Settings settings) {
        Ingestion i = new Ingestion(graph, models, noModelReason, settings);
        i.dispatcher.start();
        return i;
    }

    /** Looks at the queue now (after add_memory or a retry) instead of at the next poll. */
    public void wake() {
        wake.release();
    }

    /** One line: where the model comes from, or why episodes stay pending. */
    public String describe() {
        return state;
    }

    private void dispatch() {
        boolean resumed = false;
        while (!closed) {
            try {
                if (!resumed) {
                    if (!graph.awaitReady(settings.poll()).isReady()) continue;
                    int n = graph.ingestQueue().resumeInterrupted();
                    if (n > 0) log.info("ingest: {} episode(s) left processing by a stopped process are pending again", n);
                    resumed = true;
                }
                Optional<ModelForExtraction> model = models.get();
                if (model.isEmpty()) {
                    state = "episodes stay pending: " + noModelReason;
                } else {
                    state = "extracting with " + model.get().describe();
                    for (String group : graph.ingestQueue().pendingGroups(256)) {
                        Instant until = resting.get(group);
                        if (until != null && until.isAfter(Instant.now())) continue;
                        if (!settings.groups().isEmpty() && !settings.groups().contains(group)) continue;
                        if (!active.add(group)) continue;
                        if (!capacity.tryAcquire()) {
                            active.remove(group);
                            break;
                        }
                        workers.submit(() -> work(group, model.get()));
                    }
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

    private void work(String group, ModelForExtraction model) {
        try {
            IngestQueue queue = graph.ingestQueue();
            while (!closed) {
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
    }
}
