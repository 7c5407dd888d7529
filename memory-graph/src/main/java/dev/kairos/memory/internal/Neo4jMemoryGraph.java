package dev.kairos.memory.internal;

import dev.kairos.memory.Deletion;
import dev.kairos.memory.Embedder;
import dev.kairos.memory.Entity;
import dev.kairos.memory.EntityWrite;
import dev.kairos.memory.Episode;
import dev.kairos.memory.Fact;
import dev.kairos.memory.GraphSnapshot;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.RunRecords;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemoryNotReadyException;
import dev.kairos.memory.MemorySettings;
import dev.kairos.memory.MemoryStats;
import dev.kairos.memory.MemoryStatus;
import dev.kairos.memory.MemoryStoreException;
import dev.kairos.memory.Neighbourhood;
import dev.kairos.memory.NewEntity;
import dev.kairos.memory.NewEpisode;
import dev.kairos.memory.NewFact;
import dev.kairos.memory.SearchQuery;
import dev.kairos.memory.SearchResults;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import org.neo4j.driver.AuthToken;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Logging;
import org.neo4j.driver.exceptions.ServiceUnavailableException;
import org.neo4j.driver.exceptions.SessionExpiredException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The memory graph on Neo4j. Start-up (embedded DBMS or connection, embedder, schema) runs on a background thread;
 * calls wait for it, bounded by {@link MemorySettings#readyTimeout()}.
 */
public final class Neo4jMemoryGraph implements MemoryGraph {
    private static final Logger log = LoggerFactory.getLogger(Neo4jMemoryGraph.class);
    private static final Duration TX_TIMEOUT = Duration.ofSeconds(120);

    /** Everything that exists once start-up has finished. */
    private record Parts(EmbeddedNeo4j embedded, Driver driver, Bolt bolt, Embedder embedder, boolean ownEmbedder,
                         Writes writes, GraphReads reads, HybridSearch search,
                         GroupCommit<EpisodeWrites.EpisodeRow, Episode> episodes,
                         SharedStore.Owner sharedFrom, QueueStore queue) {}

    /** The writers, each on its own kind of record. */
    private record Writes(EpisodeWrites episodes, EntityWrites entities, FactWrites facts, Deletes deletes) {}

    /** Up to this many concurrent add_memory calls share one transaction. */
    private static final int EPISODE_BATCH = 64;

    private static final Duration CLOSE_WAIT = Duration.ofSeconds(15);

    private final MemorySettings settings;
    private final Embedder givenEmbedder;
    private final AtomicReference<MemoryStatus> status;
    /** The current start; replaced when a process sharing another's store takes it over. */
    private volatile CompletableFuture<Parts> parts = new CompletableFuture<>();
    private volatile Thread starter;
    private volatile boolean closed;
    private final Runs runs = new Runs(() -> call(p -> p.bolt()));
    private final Tasks tasks = new Tasks(() -> call(p -> p.bolt()));

    /** Started to re-embed the store: a store made with another embedder is accepted (see {@link Schema#apply}). */
    private final boolean reembedding;

    private Neo4jMemoryGraph(MemorySettings settings, Embedder embedder) {
        this(settings, embedder, false);
    }

    private Neo4jMemoryGraph(MemorySettings settings, Embedder embedder, boolean reembedding) {
        this.settings = settings;
        this.givenEmbedder = embedder;
        this.reembedding = reembedding;
        this.status = new AtomicReference<>(new MemoryStatus.Starting("queued", Instant.now()));
        CompletableFuture<Parts> first = parts;
        this.starter = Thread.ofPlatform().name("kairos-memory-start").daemon(true).unstarted(() -> startUp(first));
    }

    public static MemoryGraph start(MemorySettings settings, Embedder embedder) {
        if (settings == null) throw new MemoryInputException("settings", "is missing");
        Neo4jMemoryGraph g = new Neo4jMemoryGraph(settings, embedder);
        g.starter.start();
        return g;
    }

    /** See {@link MemoryGraph#reembed}. */
    public static MemoryGraph.Reembedded reembed(MemorySettings settings, Embedder embedder, MemoryGraph.ReembedProgress progress) {
        if (settings == null) throw new MemoryInputException("settings", "is missing");
        try (Neo4jMemoryGraph g = new Neo4jMemoryGraph(settings, embedder, true)) {
            g.starter.start();
            MemoryStatus s = g.awaitReady(settings.readyTimeout());
            if (!s.isReady()) throw new MemoryNotReadyException("memory did not start for re-embedding: " + s.describe(), s, null);
            Parts p = g.parts();
            return Reembed.run(p.bolt(), p.embedder(), p.writes().episodes(), progress);
        }
    }

    /** Thrown between start-up phases once the graph was closed, so a start in progress stops early. */
    private static final class ClosedWhileStarting extends RuntimeException {
        ClosedWhileStarting() {
            super("closed while starting", null, false, false);
        }
    }

    private void phase(String what) {
        if (closed) throw new ClosedWhileStarting();
        status.set(new MemoryStatus.Starting(what, Instant.now()));
        log.info("memory: {}", what);
    }

    private void startUp(CompletableFuture<Parts> parts) {
        EmbeddedNeo4j embedded = null;
        Driver driver = null;
        Embedder embedder = givenEmbedder;
        SharedStore.Owner sharedFrom = null;
        try {
            // The model loads while Neo4j starts: both take seconds, and they use different resources.
            CompletableFuture<Embedder> model = embedder != null ? CompletableFuture.completedFuture(embedder)
                    : CompletableFuture.supplyAsync(() -> LocalEmbedder.load(settings.embedder(), settings.dataDir().resolve("djl")),
                    r -> Thread.ofPlatform().name("kairos-embedder-load").daemon(true).start(r));
            String uri;
            AuthToken auth;
            if (settings.mode() == MemorySettings.Mode.EMBEDDED) {
                Path home = settings.dataDir().resolve("neo4j");
                Files.createDirectories(home);
                var owner = SharedStore.liveOwner(home);
                if (owner.isEmpty()) {
                    phase("starting embedded Neo4j in " + settings.dataDir());
                    try {
                        embedded = EmbeddedNeo4j.start(home, settings.database(), settings.pageCache());
                    } catch (RuntimeException e) {
                        if (!SharedStore.isLockedByAnother(e)) throw e;
                        // Another Kairos process opened the store a moment ago: use its copy.
                        owner = SharedStore.awaitOwner(home, settings.readyTimeout());
                        if (owner.isEmpty()) throw new MemoryStoreException("the store in " + settings.dataDir()
                                + " is locked by another process that does not share it; stop it or give this"
                                + " Kairos its own memory.data_dir", e);
                    }
                }
                if (embedded != null) {
                    if (!embedded.hasDatabase(settings.database()))
                        throw new MemoryStoreException("the embedded store in " + settings.dataDir() + " has no database '"
                                + settings.database() + "' (its database was named when it was created; Neo4j Community"
                                + " holds one); set memory.database to the existing name or use another memory.dataDir", null);
                    uri = embedded.boltUri();
                    auth = AuthTokens.basic(BoltPassword.USER, embedded.password());
                } else {
                    sharedFrom = owner.get();
                    uri = sharedFrom.boltUri();
                    // The address goes to the log only: status text reaches callers who may not see it.
                    phase("sharing the store of Kairos process " + sharedFrom.pid());
                    log.info("memory: the shared store is at {}", uri);
                    long ownerPid = sharedFrom.pid();
                    String password = BoltPassword.read(home).orElseThrow(() -> new MemoryStoreException(
                            "the store in " + settings.dataDir() + " is shared by Kairos process " + ownerPid
                                    + " but has no " + BoltPassword.FILE + " (written by Kairos versions with Bolt auth);"
                                    + " restart that process with this version", null));
                    auth = AuthTokens.basic(BoltPassword.USER, password);
                }
            } else {
                phase("connecting to " + settings.uri());
                uri = settings.uri().toString();
                auth = settings.user() == null ? AuthTokens.none() : AuthTokens.basic(settings.user(), settings.password());
            }
            driver = GraphDatabase.driver(uri, auth, Config.builder()
                    .withLogging(Logging.slf4j())
                    .withConnectionTimeout(10, TimeUnit.SECONDS)
                    .withConnectionAcquisitionTimeout(30, TimeUnit.SECONDS)
                    .withMaxTransactionRetryTime(15, TimeUnit.SECONDS)
                    .withUserAgent("kairos-memory")
                    .build());
            Driver d = driver;
            // A server that is still coming up gets a few tries, spread over a bounded time.
            Retry retry = Retry.of("memory-connect", RetryConfig.custom()
                    .maxAttempts(settings.mode() == MemorySettings.Mode.EMBEDDED ? 1 : 5)
                    .intervalFunction(IntervalFunction.ofExponentialBackoff(Duration.ofMillis(500), 2.0))
                    .retryExceptions(ServiceUnavailableException.class, SessionExpiredException.class)
                    .build());
            Retry.decorateRunnable(retry, d::verifyConnectivity).run();
            phase("loading embedder " + settings.embedder());
            embedder = model.get(settings.readyTimeout().toMillis(), TimeUnit.MILLISECONDS);
            Bolt bolt = new Bolt(driver, settings.database(), TX_TIMEOUT);
            phase("applying schema to database " + settings.database());
            int version = Schema.apply(bolt, embedder, reembedding);
            if (embedded != null) {
                // Only now, schema in place, may other Kairos processes on this data directory join.
                SharedStore.publish(settings.dataDir().resolve("neo4j"), uri);
            }
            Checks checks = new Checks(bolt, settings);
            GraphReads reads = new GraphReads(bolt, checks);
            EntityWrites entities = new EntityWrites(bolt, embedder, checks);
            Writes writes = new Writes(new EpisodeWrites(bolt, embedder, checks), entities,
                    new FactWrites(bolt, embedder, checks, entities, reads), new Deletes(bolt, reads));
            Parts ready = new Parts(embedded, driver, bolt, embedder, givenEmbedder == null, writes, reads,
                    new HybridSearch(bolt, embedder, checks, reads),
                    new GroupCommit<>("kairos-memory-episodes", writes.episodes()::write, EPISODE_BATCH, TX_TIMEOUT),
                    sharedFrom, new QueueStore(bolt));
            if (closed) {
                shutdown(ready);
                return;
            }
            status.set(new MemoryStatus.Ready(settings.mode(), uri, settings.database(), embedder.name(), embedder.dimension(), version));
            parts.complete(ready);
            log.info("memory {}", status.get().describe(true));
        } catch (ClosedWhileStarting e) {
            log.info("memory: start-up stopped because it was closed");
            parts.completeExceptionally(e);
            if (driver != null) driver.close();
            if (embedded != null) embedded.close();
        } catch (Throwable e) {
            Throwable cause = e instanceof ExecutionException x && x.getCause() != null ? x.getCause() : e;
            String reason = cause instanceof MemoryStoreException ? cause.getMessage()
                    : status.get() instanceof MemoryStatus.Starting s
                    ? s.phase() + " failed: " + cause.getClass().getSimpleName() + ": " + cause.getMessage()
                    : cause.toString();
            log.error("memory failed to start: {}", reason, cause);
            status.set(new MemoryStatus.Failed(reason, Instant.now()));
            parts.completeExceptionally(cause);
            if (driver != null) driver.close();
            if (embedded != null) embedded.close();
        }
    }

    @Override
    public RunRecords runs() {
        return runs;
    }

    @Override
    public dev.kairos.memory.TaskRecords tasks() {
        return tasks;
    }

    /** Waits (bounded) for start-up; the error says what it is still doing or why it failed. */
    private Parts parts() {
        if (closed) throw new MemoryNotReadyException("memory is closed", status.get(), null);
        try {
            return parts.get(settings.readyTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            MemoryStatus s = status.get();
            throw new MemoryNotReadyException("memory is still starting (" + (s instanceof MemoryStatus.Starting st ? st.phase() : s.describe())
                    + "; waited " + settings.readyTimeout().toSeconds() + " s, memory.readyTimeout); try again shortly", s, null);
        } catch (ExecutionException e) {
            throw new MemoryNotReadyException("memory failed to start: " + status.get().describe(), status.get(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MemoryNotReadyException("interrupted while waiting for memory to start", status.get(), e);
        }
    }

    /**
     * Runs a call on the started parts. A process that shares another Kairos process's embedded store (a second IDE
     * window) loses it when that process exits: it then takes the store over, opening it itself or joining whichever
     * process did, and runs the call once more.
     */
    private <T> T call(Function<Parts, T> work) {
        CompletableFuture<Parts> started = parts;
        Parts p = parts();
        if (p.sharedFrom() != null && !p.sharedFrom().alive()) {
            p = takeOver(p);
            started = parts;
        }
        try {
            return work.apply(p);
        } catch (MemoryStoreException e) {
            // The owner died during the call: the driver's own retries have run out by now.
            if (p.sharedFrom() == null || !ownerGone(e)) throw e;
            return work.apply(takeOver(p));
        } catch (MemoryNotReadyException e) {
            // Another caller's takeover closed these parts under this call: run it on the new ones.
            if (closed || parts == started) throw e;
            return work.apply(parts());
        }
    }

    private static boolean ownerGone(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause())
            if (t instanceof ServiceUnavailableException || t instanceof SessionExpiredException) return true;
        return false;
    }

    private synchronized Parts takeOver(Parts lost) {
        if (!closed && parts.isDone() && !parts.isCompletedExceptionally() && parts.join() == lost) {
            log.warn("memory: the Kairos process serving the shared store in {} has gone; taking the store over", settings.dataDir());
            CompletableFuture<Parts> next = new CompletableFuture<>();
            parts = next;
            status.set(new MemoryStatus.Starting("taking over the store of a Kairos process that stopped", Instant.now()));
            shutdown(lost);
            starter = Thread.ofPlatform().name("kairos-memory-start").daemon(true).start(() -> startUp(next));
        }
        return parts();
    }

    @Override
    public MemorySettings settings() {
        return settings;
    }

    @Override
    public MemoryStatus status() {
        return status.get();
    }

    @Override
    public MemoryStatus awaitReady(Duration timeout) {
        try {
            parts.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // status says which
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return status.get();
    }

    @Override
    public Embedder embedder() {
        return parts().embedder();
    }

    @Override
    public Episode addEpisode(NewEpisode episode) {
        // Checked and embedded in this thread, so bad input fails only its caller; then the group commit writes it.
        return call(p -> p.episodes().write(p.writes().episodes().rows(java.util.Collections.singletonList(episode)).get(0)));
    }

    @Override
    public List<Episode> addEpisodes(List<NewEpisode> episodes) {
        if (episodes == null) throw new MemoryInputException("episodes", "is missing");
        if (episodes.isEmpty()) return List.of();
        return call(p -> p.writes().episodes().write(p.writes().episodes().rows(episodes)));
    }

    @Override
    public void markExtraction(String episodeUuid, Episode.Extraction state) {
        call(p -> {
            p.writes().episodes().markExtraction(episodeUuid, state);
            return null;
        });
    }

    @Override
    public Fact addFact(NewFact fact) {
        return call(p -> p.writes().facts().add(java.util.Collections.singletonList(fact)).get(0));
    }

    @Override
    public List<Fact> addFacts(List<NewFact> facts) {
        return call(p -> p.writes().facts().add(facts));
    }

    @Override
    public EntityWrite upsertEntity(NewEntity entity) {
        return call(p -> p.writes().entities().upsert(java.util.Collections.singletonList(entity)).get(0));
    }

    @Override
    public List<EntityWrite> upsertEntities(List<NewEntity> entities) {
        return call(p -> p.writes().entities().upsert(entities));
    }

    @Override
    public List<String> addObservations(String groupId, String entityName, List<String> observations) {
        return call(p -> p.writes().entities().changeObservations(groupId, entityName, observations, true));
    }

    @Override
    public List<String> deleteObservations(String groupId, String entityName, List<String> observations) {
        return call(p -> p.writes().entities().changeObservations(groupId, entityName, observations, false));
    }

    @Override
    public Fact invalidateFact(String factUuid, Instant at) {
        return call(p -> p.writes().facts().invalidate(factUuid, at));
    }

    @Override
    public Deletion deleteEpisode(String episodeUuid) {
        return call(p -> p.writes().deletes().episode(episodeUuid));
    }

    @Override
    public Deletion deleteEntity(String entityUuid) {
        return call(p -> p.writes().deletes().entity(entityUuid));
    }

    @Override
    public Deletion deleteFact(String factUuid) {
        return call(p -> p.writes().deletes().fact(factUuid));
    }

    @Override
    public Deletion clearGroup(String groupId) {
        return call(p -> p.writes().deletes().group(groupId));
    }

    @Override
    public Optional<Episode> episode(String uuid) {
        return call(p -> p.reads().episode(uuid));
    }

    @Override
    public Optional<Entity> entity(String uuid) {
        return call(p -> p.reads().entity(uuid));
    }

    @Override
    public Optional<Fact> fact(String uuid) {
        return call(p -> p.reads().fact(uuid));
    }

    @Override
    public Optional<Entity> entityNamed(String groupId, String name) {
        return call(p -> p.reads().entityNamed(groupId, name));
    }

    @Override
    public List<Episode> episodes(List<String> groupIds, int limit) {
        return call(p -> p.reads().episodes(groupIds, limit, false));
    }

    @Override
    public List<Episode> episodesAfter(List<String> groupIds, Episode after, int limit) {
        return call(p -> p.reads().episodesAfter(groupIds, after, limit));
    }

    @Override
    public List<Episode> pendingEpisodes(List<String> groupIds, int limit) {
        return call(p -> p.reads().episodes(groupIds, limit, true));
    }

    @Override
    public List<Entity> entitiesOf(String episodeUuid) {
        return call(p -> p.reads().entitiesOf(episodeUuid));
    }

    @Override
    public SearchResults search(SearchQuery query) {
        return call(p -> p.search().search(query));
    }

    @Override
    public List<Fact> timeline(String entityUuid) {
        return call(p -> p.reads().timeline(entityUuid));
    }

    @Override
    public Neighbourhood neighbourhood(String entityUuid, int hops, boolean includeInvalidated) {
        return call(p -> p.search().neighbourhood(entityUuid, hops, includeInvalidated));
    }

    @Override
    public GraphSnapshot snapshot(List<String> groupIds, int limit) {
        return call(p -> p.reads().snapshot(groupIds, limit));
    }

    @Override
    public dev.kairos.memory.ingest.IngestQueue ingestQueue() {
        return queue;
    }

    /** Each queue call runs on the current parts, so a takeover of a shared store is followed. */
    private final dev.kairos.memory.ingest.IngestQueue queue = new dev.kairos.memory.ingest.IngestQueue() {
        @Override
        public int resumeInterrupted() {
            return call(p -> p.queue().resumeInterrupted());
        }

        @Override
        public boolean holdLease(String worker, java.time.Duration ttl) {
            return call(p -> p.queue().holdLease(worker, ttl));
        }

        @Override
        public void releaseLease(String worker) {
            call(p -> {
                p.queue().releaseLease(worker);
                return null;
            });
        }

        @Override
        public List<String> pendingGroups(int limit) {
            return call(p -> p.queue().pendingGroups(limit));
        }

        @Override
        public Optional<Episode> claimNext(String groupId) {
            return call(p -> p.queue().claimNext(groupId));
        }

        @Override
        public void finish(String episodeUuid, Episode.Extraction state, String error, String rawAnswer) {
            call(p -> {
                p.queue().finish(episodeUuid, state, error, rawAnswer);
                return null;
            });
        }

        @Override
        public int requeueFailed(List<String> groupIds) {
            return call(p -> p.queue().requeueFailed(groupIds));
        }

        @Override
        public Counts counts(List<String> groupIds) {
            return call(p -> p.queue().counts(groupIds));
        }

        @Override
        public Optional<Entry> entry(String episodeUuid) {
            return call(p -> p.queue().entry(episodeUuid));
        }

        @Override
        public List<Entry> failed(List<String> groupIds, int limit) {
            return call(p -> p.queue().failed(groupIds, limit));
        }
    };

    @Override
    public MemoryStats stats(List<String> groupIds) {
        return call(p -> p.reads().stats(groupIds));
    }

    /** The fact writer (tests replace its transaction runner to replay a retry). */
    FactWrites factWrites() {
        return call(p -> p.writes().facts());
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            // A start in progress stops at its next phase and shuts down what it started; wait a little
            // for that. Past the bound the process may exit anyway: Neo4j recovers a store from an
            // interrupted start as from a crash.
            starter.join(CLOSE_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (parts.isDone() && !parts.isCompletedExceptionally()) shutdown(parts.join());
        else if (starter.isAlive()) log.warn("memory start-up still running at close; it will shut down when it ends");
        status.set(new MemoryStatus.Closed());
    }

    private static void shutdown(Parts p) {
        // Queued episodes first, then the driver, so no Bolt connection is open when the database goes down.
        try {
            p.episodes().close();
            p.driver().close();
        } finally {
            if (p.ownEmbedder()) p.embedder().close();
            if (p.embedded() != null) p.embedded().close();
        }
    }
}
