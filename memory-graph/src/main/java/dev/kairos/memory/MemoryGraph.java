package dev.kairos.memory;

import dev.kairos.memory.internal.Neo4jMemoryGraph;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The temporal knowledge-graph memory: episodes, entities and bi-temporal facts in Neo4j, with hybrid search.
 *
 * <p>{@link #open} returns at once; Neo4j (embedded or external) and the embedder start in the background. Every other
 * method waits for readiness up to {@link MemorySettings#readyTimeout()} and then throws
 * {@link MemoryNotReadyException} ("memory is still starting (…)"). A null group id means the default group.
 * Bad arguments throw {@link MemoryInputException} naming the field; unknown uuids throw
 * {@link MemoryNotFoundException}. All queries go through the Neo4j Java driver over Bolt to
 * {@link MemorySettings#database()}. Thread-safe.
 */
public interface MemoryGraph extends AutoCloseable {

    /** Starts the graph in the background with the embedder named in the settings. */
    static MemoryGraph open(MemorySettings settings) {
        return Neo4jMemoryGraph.start(settings, null);
    }

    /** Starts the graph in the background with a given embedder (its name and dimension are recorded in the schema). */
    static MemoryGraph open(MemorySettings settings, Embedder embedder) {
        return Neo4jMemoryGraph.start(settings, embedder);
    }

    /**
     * Rebuilds every vector and vector index of the store with {@code embedder} (null: the one named by
     * {@code memory.embedder}), for a store made with another embedder, which {@link #open} refuses. Opens the store,
     * re-embeds episodes (bare and with context), entity names and facts in batches, reporting progress, rebuilds the
     * indexes, records the new embedder and closes it. Interrupted, it leaves the store marked as such: run it again.
     */
    static Reembedded reembed(MemorySettings settings, Embedder embedder, ReembedProgress progress) {
        return Neo4jMemoryGraph.reembed(settings, embedder, progress == null ? (what, done, total) -> {} : progress);
    }

    /** Progress of {@link #reembed}: {@code done} of {@code total} vectors, now at {@code what}. */
    @FunctionalInterface
    interface ReembedProgress {
        void update(String what, long done, long total);
    }

    /** What {@link #reembed} rebuilt. */
    record Reembedded(long episodes, long entities, long facts, String embedder) {}

    MemorySettings settings();

    /** Where start-up stands, without waiting. */
    MemoryStatus status();

    /** Waits up to {@code timeout} for start-up to finish and returns the status then (ready, failed or starting). */
    MemoryStatus awaitReady(Duration timeout);

    /** The embedder in use (waits for readiness). */
    Embedder embedder();

    // ---- writes ----

    /** Stores an episode durably (committed before return), embeds it, and marks it pending for extraction. */
    Episode addEpisode(NewEpisode episode);

    /** Stores many episodes in one transaction (imports); all or none. Same order as the input. */
    List<Episode> addEpisodes(List<NewEpisode> episodes);

    /** Records an episode's extraction state (used by the ingestion pipeline). */
    void markExtraction(String episodeUuid, Episode.Extraction state);

    /** Adds a fact (creating named endpoints as needed); with {@code supersede}, ends the current facts it replaces. */
    Fact addFact(NewFact fact);

    /** Adds many facts in few transactions, embedding those without a vector in batches; same order as the input. */
    List<Fact> addFacts(List<NewFact> facts);

    /** Creates or updates an entity matched by (group, name). */
    EntityWrite upsertEntity(NewEntity entity);

    /** Upserts many entities in one transaction; same order as the input. */
    List<EntityWrite> upsertEntities(List<NewEntity> entities);

    /** Appends observations to the named entity; returns those that were new (unknown name: not found). */
    List<String> addObservations(String groupId, String entityName, List<String> observations);

    /** Removes observations from the named entity (absent ones are ignored); returns those removed. */
    List<String> deleteObservations(String groupId, String entityName, List<String> observations);

    /** Marks a fact as no longer true from {@code at} (world time; null: now) and expired now (belief time). */
    Fact invalidateFact(String factUuid, Instant at);

    /**
     * Deletes an episode with Graphiti's cascade: facts whose first episode it is are deleted, entities mentioned only
     * by it are deleted with their facts, other facts just lose it from their episode list.
     */
    Deletion deleteEpisode(String episodeUuid);

    /** Deletes an entity and every fact touching it. */
    Deletion deleteEntity(String entityUuid);

    /** Deletes one fact (prefer {@link #invalidateFact} for things that stopped being true). */
    Deletion deleteFact(String factUuid);

    /** Deletes everything in a group, in batches. */
    Deletion clearGroup(String groupId);

    // ---- reads ----

    Optional<Episode> episode(String uuid);

    Optional<Entity> entity(String uuid);

    Optional<Fact> fact(String uuid);

    /** The entity of that exact name in a group. */
    Optional<Entity> entityNamed(String groupId, String name);

    /** The most recent episodes (by valid time) of the groups, newest first. */
    List<Episode> episodes(List<String> groupIds, int limit);

    /**
     * Every episode of the groups, page by page, oldest first (by valid time, then belief time): pass the last episode
     * of a page to get the next one, null for the first. For export and other full scans.
     */
    List<Episode> episodesAfter(List<String> groupIds, Episode after, int limit);

    /** Episodes waiting for extraction, oldest first. */
    List<Episode> pendingEpisodes(List<String> groupIds, int limit);

    /** Entities an episode mentions. */
    List<Entity> entitiesOf(String episodeUuid);

    /** Hybrid search over facts, entities and episodes. */
    SearchResults search(SearchQuery query);

    /** Every fact touching an entity, invalidated ones included, in world-time order (unknown valid time first). */
    List<Fact> timeline(String entityUuid);

    /** Entities and facts within {@code hops} (1..3) of an entity; only currently true facts unless {@code includeInvalidated}. */
    Neighbourhood neighbourhood(String entityUuid, int hops, boolean includeInvalidated);

    /** Entities and facts of the groups (all facts, invalidated included), capped at {@code limit} of each. */
    GraphSnapshot snapshot(List<String> groupIds, int limit);

    MemoryStats stats(List<String> groupIds);

    /** Agent run checkpoints in the same database, under their own labels (waits for readiness on use). */
    RunRecords runs();

    /** MCP tasks in the same database, under their own labels (waits for readiness on use). */
    default TaskRecords tasks() {
        throw new UnsupportedOperationException("this memory keeps no tasks");
    }

    /** The durable ingest queue over the stored episodes (extraction states, attempts, errors). */
    dev.kairos.memory.ingest.IngestQueue ingestQueue();

    /** Closes the driver, then the embedded database; fast (no Bolt quiet period). */
    @Override
    void close();
}
