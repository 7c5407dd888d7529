package dev.kairos.memory.internal;

import dev.kairos.memory.Embedder;
import dev.kairos.memory.EntityRef;
import dev.kairos.memory.Fact;
import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemoryNotFoundException;
import dev.kairos.memory.MemoryStoreException;
import dev.kairos.memory.NewEntity;
import dev.kairos.memory.NewFact;
import dev.kairos.memory.internal.EntityWrites.EntityRow;
import org.neo4j.driver.Record;
import org.neo4j.driver.TransactionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Fact writes: batches checked and embedded outside the transaction, then written in one transaction of named steps
 * (resolve endpoints, find repeats, supersede, create, link episodes); and invalidation.
 */
final class FactWrites {
    private static final Logger log = LoggerFactory.getLogger(FactWrites.class);

    /** Runs work as one write transaction, again after a transient failure such as a deadlock (the driver's retry). */
    interface Attempts {
        <T> T inWrite(Function<TransactionContext, T> work);
    }

    /**
     * One fact of a batch, checked. An endpoint is either a uuid ({@code source}/{@code target}) or the key of an
     * entity named in the batch ({@code sourceKey}/{@code targetKey}), resolved inside the transaction.
     */
    record FactRow(int i, String groupId, String name, String fact, String source, String sourceKey, String target,
                   String targetKey, ZonedDateTime validAt, ZonedDateTime invalidAt, boolean supersede,
                   ZonedDateTime createdAt, ZonedDateTime expiredAt, List<String> episodes, String uuid, List<Double> embedding) {

        FactRow withEmbedding(List<Double> v) {
            return new FactRow(i, groupId, name, fact, source, sourceKey, target, targetKey, validAt, invalidAt, supersede,
                    createdAt, expiredAt, episodes, uuid, v);
        }

        /** Both endpoints as uuids, named ones looked up in {@code keyToUuid}. */
        FactRow resolved(Map<String, String> keyToUuid) {
            return new FactRow(i, groupId, name, fact, sourceKey == null ? source : keyToUuid.get(sourceKey), null,
                    targetKey == null ? target : keyToUuid.get(targetKey), null, validAt, invalidAt, supersede,
                    createdAt, expiredAt, episodes, uuid, embedding);
        }

        /** Two rows with the same key state the same thing: one fact is kept (Graphiti's fast path). */
        String repeatKey() {
            return groupId + "\u0000" + source + "\u0000" + name + "\u0000" + target + "\u0000" + fact
                    + "\u0000" + createdAt + "\u0000" + expiredAt;
        }

        Map<String, Object> params() {
            Map<String, Object> p = new HashMap<>();
            p.put("i", i);
            p.put("group_id", groupId);
            p.put("name", name);
            p.put("fact", fact);
            p.put("source", source);
            p.put("target", target);
            p.put("valid_at", validAt);
            p.put("invalid_at", invalidAt);
            p.put("supersede", supersede);
            p.put("created_at", createdAt);
            p.put("expired_at", expiredAt);
            p.put("episodes", episodes);
            p.put("uuid", uuid);
            p.put("embedding", embedding);
            return p;
        }
    }

    /** What {@link #findRepeats} found: rows to check against the graph, earlier rows repeated, facts already stored. */
    private record Repeats(List<FactRow> candidates, Integer[] sameAs, String[] keptUuid) {}

    private final Bolt bolt;
    private final Embedder embedder;
    private final Checks checks;
    private final EntityWrites entities;
    private final GraphReads reads;
    private final Attempts attempts;

    FactWrites(Bolt bolt, Embedder embedder, Checks checks, EntityWrites entities, GraphReads reads) {
        this(bolt, embedder, checks, entities, reads, bolt::inWrite);
    }

    private FactWrites(Bolt bolt, Embedder embedder, Checks checks, EntityWrites entities, GraphReads reads, Attempts attempts) {
        this.bolt = bolt;
        this.embedder = embedder;
        this.checks = checks;
        this.entities = entities;
        this.reads = reads;
        this.attempts = attempts;
    }

    /** The same writes with the batch transaction run by {@code attempts} (tests replay a retry with it). */
    FactWrites withAttempts(Attempts attempts) {
        return new FactWrites(bolt, embedder, checks, entities, reads, attempts);
    }

    Bolt bolt() {
        return bolt;
    }

    // ---- the batch, outside the transaction ----

    List<Fact> add(List<NewFact> facts) {
        if (facts == null) throw new MemoryInputException("facts", "is missing");
        if (facts.isEmpty()) return List.of();
        boolean single = facts.size() == 1;
        Batch batch = new Batch();
        for (int i = 0; i < facts.size(); i++) batch.add(i, single ? "" : "facts[" + i + "].", facts.get(i));
        long t0 = System.nanoTime();
        batch.checkEntityIds();
        checks.episodesExist(batch.rows.stream().flatMap(r -> r.episodes().stream()).toList(), single ? "episodeUuids" : "facts[].episodeUuids");
        List<EntityRow> endpoints = batch.named.isEmpty() ? List.of() : entities.embedNewNames(new ArrayList<>(batch.named.values()));
        List<FactRow> rows = embedFacts(batch.rows);
        long t1 = System.nanoTime();
        ZonedDateTime now = Checks.now();
        List<Fact> written;
        try {
            written = attempts.inWrite(tx -> write(tx, rows, endpoints, now));
        } catch (MemoryStoreException e) {
            throw Checks.uuidTaken(e, single ? "uuid" : "facts[].uuid", "given");
        }
        if (log.isDebugEnabled())
            log.debug("addFacts({}): checks+embedding {} ms, write {} ms", facts.size(),
                    (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
        return written;
    }

    /** The rows of a batch being checked, with the entities its facts name and the uuids they refer to. */
    private final class Batch {
        final List<FactRow> rows = new ArrayList<>();
        final Map<String, EntityRow> named = new LinkedHashMap<>();
        final Map<String, String> idGroups = new HashMap<>(); // uuid -> group it must be in
        final Map<String, String> idFields = new HashMap<>();

        void add(int i, String f, NewFact nf) {
            if (nf == null) throw new MemoryInputException("facts[" + i + "]", "is missing");
            String g = checks.group(f + "groupId", nf.groupId());
            String name = MemoryInput.relationName(f + "name", nf.name());
            String text = MemoryInput.text(f + "fact", nf.fact(), Checks.MAX_TEXT);
            String[] source = endpoint(f, "source", nf.source(), g, nf);
            String[] target = endpoint(f, "target", nf.target(), g, nf);
            if (nf.validAt() != null && nf.invalidAt() != null && nf.invalidAt().isBefore(nf.validAt()))
                throw new MemoryInputException(f + "invalidAt", "(" + nf.invalidAt() + ") is before validAt (" + nf.validAt() + ")");
            ZonedDateTime learned = Checks.recorded(f + "createdAt", nf.createdAt());
            ZonedDateTime retracted = Checks.recorded(f + "expiredAt", nf.expiredAt());
            if (retracted != null && (learned == null || retracted.isBefore(learned)))
                throw new MemoryInputException(f + "expiredAt", "(" + nf.expiredAt() + ") needs a createdAt at or before it");
            List<String> eps = List.copyOf(new LinkedHashSet<>(Checks.uuids(f + "episodeUuids", nf.episodeUuids())));
            String uuid = Checks.uuidOrNew(f + "uuid", nf.uuid());
            List<Double> embedding = null;
            if (nf.embedding() != null) {
                if (nf.embedding().length != embedder.dimension())
                    throw new MemoryInputException(f + "embedding", "has " + nf.embedding().length + " dimensions, the embedder's is " + embedder.dimension());
                embedding = Rows.vector(nf.embedding());
            }
            rows.add(new FactRow(i, g, name, text, source[0], source[1], target[0], target[1], Rows.utc(nf.validAt()),
                    Rows.utc(nf.invalidAt()), nf.supersede(), learned, retracted, eps, uuid, embedding));
        }

        /** {uuid, null} for an entity given by uuid, {null, key} for one given by name. */
        private String[] endpoint(String f, String side, EntityRef ref, String g, NewFact nf) {
            switch (ref) {
                case null -> throw new MemoryInputException(f + side, "is missing (an entity uuid or name)");
                case EntityRef.ById id -> {
                    MemoryInput.uuid(f + side + ".uuid", id.uuid());
                    String prev = idGroups.putIfAbsent(id.uuid(), g);
                    if (prev != null && !prev.equals(g))
                        throw new MemoryInputException(f + side + ".uuid", "entity " + id.uuid() + " is used in groups " + prev + " and " + g);
                    idFields.putIfAbsent(id.uuid(), f + side + ".uuid");
                    return new String[] {id.uuid(), null};
                }
                case EntityRef.ByName byName -> {
                    NewEntity ne = new NewEntity(g, byName.name(), byName.labels(), null, List.of(), Map.of(), nf.episodeUuids());
                    EntityRow er = entities.row(f + side + ".", ne);
                    named.merge(er.key(), er, EntityRow::merge);
                    return new String[] {null, er.key()};
                }
            }
        }

        /** Entities given by uuid exist, in the group of the facts that use them. */
        void checkEntityIds() {
            if (idGroups.isEmpty()) return;
            Map<String, String> found = new HashMap<>();
            for (Record r : bolt.read("UNWIND $ids AS id MATCH (n:Entity {uuid: id}) RETURN n.uuid AS uuid, n.group_id AS g",
                    Map.of("ids", new ArrayList<>(idGroups.keySet())))) found.put(r.get("uuid").asString(), r.get("g").asString());
            for (var e : idGroups.entrySet()) {
                String g = found.get(e.getKey());
                if (g == null) throw new MemoryNotFoundException(idFields.get(e.getKey()), "entity", e.getKey());
                if (!g.equals(e.getValue()))
                    throw new MemoryInputException(idFields.get(e.getKey()), "entity " + e.getKey() + " is in group '" + g
                            + "', not '" + e.getValue() + "'; facts cannot cross groups");
            }
        }
    }

    /** Rows without a vector get one, in one embedding pass. */
    private List<FactRow> embedFacts(List<FactRow> rows) {
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) if (rows.get(i).embedding() == null) missing.add(i);
        if (missing.isEmpty()) return rows;
        List<float[]> vectors = embedder.embedAll(missing.stream().map(i -> rows.get(i).fact()).toList());
        List<FactRow> out = new ArrayList<>(rows);
        for (int k = 0; k < vectors.size(); k++) out.set(missing.get(k), out.get(missing.get(k)).withEmbedding(Rows.vector(vectors.get(k))));
        return out;
    }

    // ---- the transaction ----

    /**
     * One transaction: resolve endpoints, find repeats, supersede, create, link episodes. Returns the stored fact per
     * row. It reads its inputs only: the driver runs it again after a deadlock, and by then another writer may have
     * created a named endpoint under its own uuid, so names are resolved afresh on every attempt.
     */
    private List<Fact> write(TransactionContext tx, List<FactRow> input, List<EntityRow> endpoints, ZonedDateTime now) {
        long w0 = System.nanoTime();
        Map<String, String> keyToUuid = resolveEndpoints(tx, endpoints, now);
        List<FactRow> rows = input.stream().map(r -> r.resolved(keyToUuid)).toList();
        long w1 = System.nanoTime();
        Repeats repeats = findRepeats(tx, rows);
        long w2 = System.nanoTime();
        List<FactRow> fresh = repeats.candidates().stream().filter(r -> repeats.keptUuid()[r.i()] == null).toList();
        supersede(tx, fresh, now);
        Fact[] facts = create(tx, fresh, rows.size(), now);
        long w3 = System.nanoTime();
        linkEpisodes(tx, rows, now);
        if (log.isDebugEnabled())
            log.debug("writeFacts({}): endpoints {} ms, duplicates {} ms, create {} ms", rows.size(),
                    (w1 - w0) / 1_000_000, (w2 - w1) / 1_000_000, (w3 - w2) / 1_000_000);
        // Facts kept as repeats are read last: a supersede above may have ended one of them.
        readKept(tx, repeats.keptUuid(), facts);
        for (int i = 0; i < facts.length; i++) if (repeats.sameAs()[i] != null) facts[i] = facts[repeats.sameAs()[i]];
        for (int i = 0; i < facts.length; i++)
            if (facts[i] == null) // an endpoint or the repeated fact was deleted by a concurrent writer: store nothing
                throw new MemoryStoreException("fact " + i + " of the batch could not be stored: its entity or the fact it "
                        + "repeats was deleted meanwhile; nothing was stored, try again", null);
        return List.of(facts);
    }

    /** Endpoints named by facts: created if missing, labels added; existing entities are otherwise left untouched. */
    private static Map<String, String> resolveEndpoints(TransactionContext tx, List<EntityRow> endpoints, ZonedDateTime now) {
        Map<String, String> keyToUuid = new HashMap<>();
        if (endpoints.isEmpty()) return keyToUuid;
        for (Record r : tx.run("""
                UNWIND $rows AS row
                MERGE (n:Entity {group_id: row.group_id, name: row.name})
                ON CREATE SET n.uuid = row.uuid, n.created_at = coalesce(row.created_at, $now), n.observations = [], n.summary = '',
                              n.observations_text = ''
                WITH n, row
                CALL (n, row) {
                  // Only relabel when a label is missing: a SET locks the node even when it changes nothing.
                  WITH n, row WHERE any(l IN row.labels WHERE NOT l IN labels(n))
                  SET n:$(row.labels)
                }
                CALL (n, row) {
                  WITH n, row WHERE row.embedding IS NOT NULL AND n.uuid = row.uuid
                  CALL db.create.setNodeVectorProperty(n, 'name_embedding', row.embedding)
                }
                RETURN n.group_id + '\\u0000' + n.name AS key, n.uuid AS uuid""",
                Map.of("rows", endpoints.stream().map(EntityRow::params).toList(), "now", now)).list())
            keyToUuid.put(r.get("key").asString(), r.get("uuid").asString());
        return keyToUuid;
    }

    /**
     * The same statement twice in a batch, or again later with the same endpoints: one fact is kept (Graphiti's fast
     * path), and a repeat of a stored fact adds its episodes to it.
     */
    private static Repeats findRepeats(TransactionContext tx, List<FactRow> rows) {
        Integer[] sameAs = new Integer[rows.size()];
        String[] keptUuid = new String[rows.size()];
        Map<String, Integer> firstOfKey = new HashMap<>();
        List<FactRow> candidates = new ArrayList<>();
        for (var row : rows) {
            Integer first = firstOfKey.putIfAbsent(row.repeatKey(), row.i());
            if (first != null) sameAs[row.i()] = first;
            else candidates.add(row);
        }
        for (Record r : tx.run("""
                UNWIND $rows AS row
                MATCH (s:Entity {uuid: row.source})-[old:RELATES_TO]->(t:Entity {uuid: row.target})
                WHERE row.expired_at IS NULL AND old.name = row.name AND old.fact = row.fact
                  AND old.group_id = row.group_id AND old.invalid_at IS NULL AND old.expired_at IS NULL
                WITH row, head(collect(old)) AS old
                SET old.episodes = old.episodes + [e IN row.episodes WHERE NOT e IN old.episodes]
                RETURN row.i AS i, old.uuid AS uuid""", Map.of("rows", candidates.stream().map(FactRow::params).toList())).list())
            keptUuid[r.get("i").asInt()] = r.get("uuid").asString();
        return new Repeats(candidates, sameAs, keptUuid);
    }

    /** A superseding fact ends the current ones of the same name from its source that started before it. */
    private static void supersede(TransactionContext tx, List<FactRow> fresh, ZonedDateTime now) {
        for (var row : fresh) {
            if (!row.supersede()) continue;
            Map<String, Object> p = new HashMap<>();
            p.put("source", row.source());
            p.put("name", row.name());
            p.put("group", row.groupId());
            p.put("at", row.validAt() == null ? now : row.validAt());
            p.put("now", now);
            // Only facts that started before the new one are ended by it; a later-starting one stays.
            tx.run("""
                    MATCH (s:Entity {uuid: $source})-[r:RELATES_TO {name: $name}]->()
                    WHERE r.group_id = $group AND r.expired_at IS NULL
                      AND (r.invalid_at IS NULL OR r.invalid_at > $at)
                      AND (r.valid_at IS NULL OR r.valid_at <= $at)
                    SET r.invalid_at = $at, r.expired_at = $now""", p).consume();
        }
    }

    /** Creates the new facts with their vectors; the array has a slot per row of the batch, filled for these. */
    private static Fact[] create(TransactionContext tx, List<FactRow> fresh, int batchSize, ZonedDateTime now) {
        Fact[] facts = new Fact[batchSize];
        if (fresh.isEmpty()) return facts;
        for (Record r : tx.run("""
                UNWIND $rows AS row
                MATCH (s:Entity {uuid: row.source})
                MATCH (t:Entity {uuid: row.target})
                CREATE (s)-[r:RELATES_TO {uuid: row.uuid, group_id: row.group_id, name: row.name, fact: row.fact,
                                          valid_at: row.valid_at, invalid_at: row.invalid_at,
                                          created_at: coalesce(row.created_at, $now), expired_at: row.expired_at,
                                          episodes: row.episodes}]->(t)
                WITH r, row
                CALL db.create.setRelationshipVectorProperty(r, 'fact_embedding', row.embedding)
                RETURN row.i AS i, """ + Rows.FACT,
                Map.of("rows", fresh.stream().map(FactRow::params).toList(), "now", now)).list())
            facts[r.get("i").asInt()] = Rows.fact(r.get("fact"));
        return facts;
    }

    /** Provenance: each episode of a fact mentions both its endpoints. */
    private static void linkEpisodes(TransactionContext tx, List<FactRow> rows, ZonedDateTime now) {
        List<Map<String, Object>> withEpisodes = rows.stream().filter(r -> !r.episodes().isEmpty()).map(FactRow::params).toList();
        if (withEpisodes.isEmpty()) return;
        tx.run("""
                UNWIND $rows AS row
                UNWIND row.episodes AS ep
                MATCH (e:Episode {uuid: ep})
                UNWIND [row.source, row.target] AS u
                MATCH (n:Entity {uuid: u})
                MERGE (e)-[m:MENTIONS]->(n) ON CREATE SET m.group_id = n.group_id, m.created_at = $now""",
                Map.of("rows", withEpisodes, "now", now)).consume();
    }

    /** Fills in the facts that rows repeated, as they are now. */
    private static void readKept(TransactionContext tx, String[] keptUuid, Fact[] facts) {
        List<String> uuids = Arrays.stream(keptUuid).filter(Objects::nonNull).distinct().toList();
        if (uuids.isEmpty()) return;
        Map<String, Fact> kept = new HashMap<>();
        for (Record r : tx.run("UNWIND $uuids AS u MATCH ()-[r:RELATES_TO {uuid: u}]->() RETURN " + Rows.FACT,
                Map.of("uuids", uuids)).list()) {
            Fact f = Rows.fact(r.get("fact"));
            kept.put(f.uuid(), f);
        }
        for (int i = 0; i < keptUuid.length; i++) if (keptUuid[i] != null) facts[i] = kept.get(keptUuid[i]);
    }

    // ---- invalidation ----

    /** Marks a fact as no longer true from {@code at} (null: now) and expired now. */
    Fact invalidate(String uuid, Instant at) {
        MemoryInput.uuid("uuid", uuid);
        ZonedDateTime now = Checks.now();
        Fact current = reads.fact(uuid).orElseThrow(() -> new MemoryNotFoundException("uuid", "fact", uuid));
        Instant when = at == null ? now.toInstant() : at;
        if (current.validAt() != null && when.isBefore(current.validAt()))
            throw new MemoryInputException("at", "(" + when + ") is before the fact's validAt (" + current.validAt() + ")");
        List<Record> rows = bolt.write("""
                MATCH ()-[r:RELATES_TO {uuid: $uuid}]->()
                SET r.invalid_at = CASE WHEN r.invalid_at IS NULL OR r.invalid_at > $at THEN $at ELSE r.invalid_at END,
                    r.expired_at = coalesce(r.expired_at, $now)
                RETURN\s""" + Rows.FACT, Map.of("uuid", uuid, "at", Rows.utc(when), "now", now));
        if (rows.isEmpty()) throw new MemoryNotFoundException("uuid", "fact", uuid);
        return Rows.fact(rows.get(0).get("fact"));
    }
}
