package dev.kairos.memory.internal;

import dev.kairos.memory.Embedder;
import dev.kairos.memory.MemoryStoreException;
import org.neo4j.driver.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;

/**
 * The graph's constraints and indexes, applied idempotently on every start, and the recorded schema version and
 * embedder. Unlike Graphiti we keep uniqueness constraints and HNSW vector indexes.
 */
final class Schema {
    private static final Logger log = LoggerFactory.getLogger(Schema.class);
    static final int VERSION = 1;

    private static final List<String> STATEMENTS = List.of(
            "CREATE CONSTRAINT episode_uuid IF NOT EXISTS FOR (n:Episode) REQUIRE n.uuid IS UNIQUE",
            "CREATE CONSTRAINT entity_uuid IF NOT EXISTS FOR (n:Entity) REQUIRE n.uuid IS UNIQUE",
            // Entities are unique by name inside a group: the constraint makes concurrent MERGEs safe.
            "CREATE CONSTRAINT entity_group_name IF NOT EXISTS FOR (n:Entity) REQUIRE (n.group_id, n.name) IS UNIQUE",
            "CREATE CONSTRAINT fact_uuid IF NOT EXISTS FOR ()-[r:RELATES_TO]-() REQUIRE r.uuid IS UNIQUE",
            "CREATE CONSTRAINT schema_id IF NOT EXISTS FOR (n:MemorySchema) REQUIRE n.id IS UNIQUE",
            "CREATE INDEX episode_group IF NOT EXISTS FOR (n:Episode) ON (n.group_id)",
            "CREATE INDEX episode_valid_at IF NOT EXISTS FOR (n:Episode) ON (n.valid_at)",
            "CREATE INDEX episode_created_at IF NOT EXISTS FOR (n:Episode) ON (n.created_at)",
            "CREATE INDEX episode_extraction IF NOT EXISTS FOR (n:Episode) ON (n.extraction)",
            "CREATE INDEX entity_group IF NOT EXISTS FOR (n:Entity) ON (n.group_id)",
            "CREATE INDEX entity_created_at IF NOT EXISTS FOR (n:Entity) ON (n.created_at)",
            "CREATE INDEX fact_group IF NOT EXISTS FOR ()-[r:RELATES_TO]-() ON (r.group_id)",
            "CREATE INDEX fact_name IF NOT EXISTS FOR ()-[r:RELATES_TO]-() ON (r.name)",
            "CREATE INDEX fact_valid_at IF NOT EXISTS FOR ()-[r:RELATES_TO]-() ON (r.valid_at)",
            "CREATE INDEX fact_invalid_at IF NOT EXISTS FOR ()-[r:RELATES_TO]-() ON (r.invalid_at)",
            "CREATE INDEX fact_created_at IF NOT EXISTS FOR ()-[r:RELATES_TO]-() ON (r.created_at)",
            "CREATE INDEX fact_expired_at IF NOT EXISTS FOR ()-[r:RELATES_TO]-() ON (r.expired_at)",
            "CREATE INDEX mention_group IF NOT EXISTS FOR ()-[m:MENTIONS]-() ON (m.group_id)",
            "CREATE FULLTEXT INDEX episode_text IF NOT EXISTS FOR (n:Episode) ON EACH [n.content, n.name, n.source_description, n.group_id]",
            "CREATE FULLTEXT INDEX entity_text IF NOT EXISTS FOR (n:Entity) ON EACH [n.name, n.summary, n.observations_text, n.group_id]",
            "CREATE FULLTEXT INDEX fact_text IF NOT EXISTS FOR ()-[r:RELATES_TO]-() ON EACH [r.name, r.fact, r.group_id]");

    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("(?:INDEX|CONSTRAINT) (\\w+) IF NOT EXISTS");

    private Schema() {}

    /** The vector indexes, each with the property it indexes. */
    static final Map<String, String> VECTOR_INDEXES = new java.util.LinkedHashMap<>();
    static {
        VECTOR_INDEXES.put("entity_name_embedding", "name_embedding");
        VECTOR_INDEXES.put("fact_embedding", "fact_embedding");
        VECTOR_INDEXES.put("episode_embedding", "content_embedding");
        VECTOR_INDEXES.put("episode_context_embedding", "context_embedding");
    }

    /** Applies the schema and returns the recorded version; refuses an embedder that differs from the recorded one. */
    static int apply(Bolt bolt, Embedder embedder) {
        return apply(bolt, embedder, false);
    }

    /**
     * Applies the schema. With {@code reembedding}, a store made with another embedder is accepted: its vector
     * indexes are dropped and the change is recorded as under way (see {@link #finishReembed}); a store whose
     * re-embedding was interrupted is refused otherwise.
     */
    static int apply(Bolt bolt, Embedder embedder, boolean reembedding) {
        Map<String, Object> recorded = recorded(bolt);
        if (recorded != null && !reembedding) {
            Object name = recorded.get("embedder");
            Object dim = recorded.get("dimension");
            if (recorded.get("reembedding_to") != null)
                throw new MemoryStoreException("database " + bolt.database() + " was being re-embedded with '"
                        + recorded.get("reembedding_to") + "' when it stopped; run `kairos memory reembed` again to finish", null);
            if (!embedder.name().equals(name) || ((Number) dim).intValue() != embedder.dimension())
                throw new MemoryStoreException("database " + bolt.database() + " holds embeddings from embedder '" + name
                        + "' (" + dim + " dimensions) but this configuration uses '" + embedder.name() + "' ("
                        + embedder.dimension() + " dimensions, memory.embedder); vectors of different models cannot be compared."
                        + " Run `kairos memory reembed` to rebuild the vectors with '" + embedder.name()
                        + "', or set memory.embedder back to '" + name + "'", null);
            int version = ((Number) recorded.get("version")).intValue();
            if (version > VERSION)
                throw new MemoryStoreException("database " + bolt.database() + " has memory schema v" + version
                        + ", newer than this Kairos understands (v" + VERSION + "); upgrade Kairos", null);
        }
        int d = embedder.dimension(); // an int we own, not input: safe to put in the statement text
        List<String> all = new java.util.ArrayList<>(STATEMENTS);
        if (reembedding && recorded != null) {
            // Vectors are rewritten without index upkeep; the indexes come back, with the new dimension, at the end.
            bolt.write("MATCH (s:MemorySchema {id: 'kairos'}) SET s.reembedding_to = $to",
                    Map.of("to", embedder.name()));
            for (String index : VECTOR_INDEXES.keySet()) bolt.autoCommit("DROP INDEX " + index + " IF EXISTS", Map.of());
        } else {
            all.addAll(vectorIndexes(d));
        }
        // IF NOT EXISTS makes each statement idempotent; skipping the ones present only saves start-up time.
        java.util.Set<String> present = new java.util.HashSet<>();
        for (Record r : bolt.read("SHOW INDEXES YIELD name RETURN name", Map.of())) present.add(r.get("name").asString());
        for (Record r : bolt.read("SHOW CONSTRAINTS YIELD name RETURN name", Map.of())) present.add(r.get("name").asString());
        int created = 0;
        for (String s : all) {
            var m = NAME.matcher(s);
            if (m.find() && present.contains(m.group(1))) continue;
            bolt.autoCommit(s, Map.of());
            created++;
        }
        if (created > 0) log.info("created {} indexes and constraints in database {}", created, bolt.database());
        checkVectorDimensions(bolt, d);
        if (reembedding && recorded != null) return VERSION;
        record(bolt, embedder);
        log.info("memory schema v{} applied to database {} (embedder {}, {} dimensions)", VERSION, bolt.database(),
                embedder.name(), embedder.dimension());
        return VERSION;
    }

    private static List<String> vectorIndexes(int d) {
        String cfg = " OPTIONS {indexConfig: {`vector.dimensions`: " + d + ", `vector.similarity_function`: 'cosine'}}";
        return List.of(
                "CREATE VECTOR INDEX entity_name_embedding IF NOT EXISTS FOR (n:Entity) ON n.name_embedding" + cfg,
                "CREATE VECTOR INDEX fact_embedding IF NOT EXISTS FOR ()-[r:RELATES_TO]-() ON r.fact_embedding" + cfg,
                "CREATE VECTOR INDEX episode_embedding IF NOT EXISTS FOR (n:Episode) ON n.content_embedding" + cfg,
                // The episode embedded with the turn before it (what a reply means depends on what it answers).
                "CREATE VECTOR INDEX episode_context_embedding IF NOT EXISTS FOR (n:Episode) ON n.context_embedding" + cfg);
    }

    /** Records the embedder (and clears a re-embedding under way) once the vector indexes are online. */
    private static void record(Bolt bolt, Embedder embedder) {
        bolt.write("""
                MERGE (s:MemorySchema {id: 'kairos'})
                ON CREATE SET s.created_at = $now
                SET s.version = $version, s.embedder = $embedder, s.dimension = $dimension, s.applied_at = $now,
                    s.reembedding_to = null
                """, Map.of("now", ZonedDateTime.now(ZoneOffset.UTC), "version", VERSION,
                "embedder", embedder.name(), "dimension", embedder.dimension()));
        bolt.autoCommit("CALL db.awaitIndexes(300)", Map.of());
    }

    /** After re-embedding: the vector indexes again (built from the new vectors), and the new embedder recorded. */
    static void finishReembed(Bolt bolt, Embedder embedder) {
        for (String s : vectorIndexes(embedder.dimension())) bolt.autoCommit(s, Map.of());
        bolt.autoCommit("CALL db.awaitIndexes(3600)", Map.of());
        checkVectorDimensions(bolt, embedder.dimension());
        record(bolt, embedder);
        log.info("database {} re-embedded with {} ({} dimensions)", bolt.database(), embedder.name(), embedder.dimension());
    }

    private static Map<String, Object> recorded(Bolt bolt) {
        List<Record> rows = bolt.read("MATCH (s:MemorySchema {id: 'kairos'}) RETURN s {.*} AS s", Map.of());
        return rows.isEmpty() ? null : rows.get(0).get("s").asMap();
    }

    /** A vector index left by an older setup with another dimension would silently ignore our vectors. */
    private static void checkVectorDimensions(Bolt bolt, int dimension) {
        for (Record r : bolt.read("""
                SHOW VECTOR INDEXES YIELD name, options
                WHERE name IN ['entity_name_embedding', 'fact_embedding', 'episode_embedding', 'episode_context_embedding']
                RETURN name, options.indexConfig['vector.dimensions'] AS dim
                """, Map.of())) {
            int found = r.get("dim").asInt();
            if (found != dimension)
                throw new MemoryStoreException("vector index " + r.get("name").asString() + " in database " + bolt.database()
                        + " has " + found + " dimensions but the embedder produces " + dimension, null);
        }
    }
}
