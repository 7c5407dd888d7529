package dev.kairos.memory.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.memory.Deletion;
import dev.kairos.memory.Embedder;
import dev.kairos.memory.Entity;
import dev.kairos.memory.EntityRef;
import dev.kairos.memory.EntityWrite;
import dev.kairos.memory.Episode;
import dev.kairos.memory.Fact;
import dev.kairos.memory.GraphSnapshot;
import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemoryNotFoundException;
import dev.kairos.memory.MemorySettings;
import dev.kairos.memory.MemoryStats;
import dev.kairos.memory.MemoryStoreException;
import dev.kairos.memory.NewEntity;
import dev.kairos.memory.NewEpisode;
import dev.kairos.memory.NewFact;
import org.neo4j.driver.Record;
import org.neo4j.driver.TransactionContext;
import org.neo4j.driver.Value;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/** Writes and plain reads of episodes, entities and facts; every text reaches Cypher as a parameter. */
final class Store {
    static final int MAX_NAME = 500;
    static final int MAX_TEXT = 10_000;
    /** The embedding of a long episode is taken from its start: MiniLM reads 256 tokens at a time anyway. */
    static final int EMBED_CHARS = 2_000;
    private static final Pattern ATTRIBUTE_KEY = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Store.class);
    private final Bolt bolt;
    private final Embedder embedder;
    private final MemorySettings settings;

    Bolt bolt() {
        return bolt;
    }

    Store(Bolt bolt, Embedder embedder, MemorySettings settings) {
        this.bolt = bolt;
        this.embedder = embedder;
        this.settings = settings;
    }

    // ---------- input ----------

    String group(String field, String g) {
        return g == null ? settings.defaultGroup() : MemoryInput.groupId(field, g);
    }

    List<String> groups(List<String> gs) {
        if (gs == null || gs.isEmpty()) return List.of(settings.defaultGroup());
        List<String> out = new ArrayList<>(gs.size());
        for (int i = 0; i < gs.size(); i++) out.add(MemoryInput.groupId("groupIds[" + i + "]", gs.get(i)));
        return List.copyOf(new LinkedHashSet<>(out));
    }

    private static String optionalText(String field, String v, int max) {
        if (v == null) return null;
        if (v.length() > max) throw new MemoryInputException(field, "is " + v.length() + " characters, the limit is " + max);
        return v;
    }

    private static String uuidOrNew(String field, String uuid) {
        return uuid == null ? UUID.randomUUID().toString() : MemoryInput.uuid(field, uuid);
    }

    static ZonedDateTime now() {
        return ZonedDateTime.now(ZoneOffset.UTC);
    }

    /** A restored belief time (when something was recorded): never in the future. Null stays null (now). */
    private static ZonedDateTime recorded(String field, Instant at) {
        if (at == null) return null;
        if (at.isAfter(Instant.now()))
            throw new MemoryInputException(field, "(" + at + ") is in the future; it says when this was recorded");
        return Rows.utc(at);
    }

    // ---------- episodes ----------

    /**
     * Checks and embeds episodes (one embedding pass) and returns their parameter rows for {@link #writeEpisodes}.
     * For add_memory this runs in the caller's thread, so concurrent callers embed in parallel while the group
     * commit writes earlier batches.
     */
    List<Map<String, Object>> episodeRows(List<NewEpisode> episodes) {
        List<Map<String, Object>> rows = new ArrayList<>(episodes.size());
        List<String> texts = new ArrayList<>(episodes.size());
        for (NewEpisode ep : episodes) {
            Map<String, Object> row = episodeRow(ep);
            String content = (String) row.get("content");
            texts.add(row.get("name") + "\n" + content.substring(0, Math.min(EMBED_CHARS, content.length())));
            rows.add(row);
        }
        List<float[]> vectors = embedder.embedAll(texts);
        for (int i = 0; i < rows.size(); i++) rows.get(i).put("vector", Rows.vector(vectors.get(i)));
        return rows;
    }

    private Map<String, Object> episodeRow(NewEpisode ep) {
        if (ep == null) throw new MemoryInputException("episode", "is missing");
        String group = group("groupId", ep.groupId());
        String content = MemoryInput.text("content", ep.content(), settings.maxEpisodeChars());
        Episode.Source source = ep.source() == null ? Episode.Source.TEXT : ep.source();
        if (source == Episode.Source.JSON) {
            try {
                JSON.readTree(content);
            } catch (JsonProcessingException e) {
                throw new MemoryInputException("content", "source is json but the content is not valid JSON (line "
                        + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
            }
        }
        String name = ep.name() == null || ep.name().isBlank() ? firstLine(content, 80) : MemoryInput.text("name", ep.name(), MAX_NAME);
        String description = optionalText("sourceDescription", ep.sourceDescription(), MAX_NAME);
        Map<String, Object> row = new HashMap<>();
        row.put("uuid", uuidOrNew("uuid", ep.uuid()));
        row.put("group", group);
        row.put("name", name);
        row.put("content", content);
        row.put("source", source.name());
        row.put("description", description == null ? "" : description);
        row.put("validAt", ep.validAt() == null ? null : Rows.utc(ep.validAt()));
        row.put("createdAt", recorded("createdAt", ep.createdAt()));
        return row;
    }

    /** Stores checked episodes in one transaction; returns one episode per row, in order. */
    List<Episode> writeEpisodes(List<Map<String, Object>> rows) {
        long t0 = System.nanoTime();
        ZonedDateTime now = now();
        try {
            List<Record> out = bolt.write("""
                    UNWIND $rows AS row
                    CREATE (e:Episode {uuid: row.uuid, group_id: row.group, name: row.name, content: row.content, source: row.source,
                                       source_description: row.description, valid_at: coalesce(row.validAt, $now), created_at: coalesce(row.createdAt, $now),
                                       extraction: 'PENDING'})
                    WITH e, row CALL db.create.setNodeVectorProperty(e, 'content_embedding', row.vector)
                    RETURN\s""" + Rows.EPISODE, Map.of("rows", rows, "now", now));
            if (log.isDebugEnabled())
                log.debug("writeEpisodes({}): transaction {} ms", rows.size(), (System.nanoTime() - t0) / 1_000_000);
            Map<String, Episode> byUuid = new HashMap<>();
            for (Record r : out) {
                Episode e = Rows.episode(r.get("episode"));
                byUuid.put(e.uuid(), e);
            }
            return rows.stream().map(r -> byUuid.get((String) r.get("uuid"))).toList();
        } catch (MemoryStoreException e) {
            throw uuidTaken(e, "uuid", rows.size() == 1 ? (String) rows.get(0).get("uuid") : "given");
        }
    }

    /** An unnamed episode is called by the start of its first line. */
    private static String firstLine(String content, int max) {
        String line = content.strip().lines().findFirst().orElse("episode");
        return line.length() <= max ? line : line.substring(0, max);
    }

    void markExtraction(String uuid, Episode.Extraction state) {
        MemoryInput.uuid("episodeUuid", uuid);
        if (state == null) throw new MemoryInputException("state", "is missing");
        List<Record> rows = bolt.write("MATCH (e:Episode {uuid: $uuid}) SET e.extraction = $state RETURN e.uuid",
                Map.of("uuid", uuid, "state", state.name()));
        if (rows.isEmpty()) throw new MemoryNotFoundException("episodeUuid", "episode", uuid);
    }

    Optional<Episode> episode(String uuid) {
        MemoryInput.uuid("uuid", uuid);
        return bolt.read("MATCH (e:Episode {uuid: $uuid}) RETURN " + Rows.EPISODE, Map.of("uuid", uuid))
                .stream().findFirst().map(r -> Rows.episode(r.get("episode")));
    }

    List<Episode> episodes(List<String> groupIds, int limit, boolean pendingOnly) {
        List<String> gs = groups(groupIds);
        if (limit < 1 || limit > 10_000) throw new MemoryInputException("limit", "must be between 1 and 10000, was " + limit);
        String cypher = pendingOnly
                ? "MATCH (e:Episode) WHERE e.extraction = 'PENDING' AND e.group_id IN $groups RETURN " + Rows.EPISODE
                  + " ORDER BY e.created_at ASC LIMIT $limit"
                : "MATCH (e:Episode) WHERE e.group_id IN $groups RETURN " + Rows.EPISODE
                  + " ORDER BY e.valid_at DESC, e.created_at DESC LIMIT $limit";
        return bolt.read(cypher, Map.of("groups", gs, "limit", limit)).stream().map(r -> Rows.episode(r.get("episode"))).toList();
    }

    List<Episode> episodesAfter(List<String> groupIds, Episode after, int limit) {
        List<String> gs = groups(groupIds);
        if (limit < 1 || limit > 10_000) throw new MemoryInputException("limit", "must be between 1 and 10000, was " + limit);
        Map<String, Object> p = new HashMap<>();
        p.put("groups", gs);
        p.put("limit", limit);
        p.put("v", after == null ? null : Rows.utc(after.validAt()));
        p.put("c", after == null ? null : Rows.utc(after.createdAt()));
        p.put("u", after == null ? null : after.uuid());
        // Keyset paging on (valid_at, created_at, uuid): stable while episodes are added, no OFFSET scans.
        return bolt.read("""
                MATCH (e:Episode) WHERE e.group_id IN $groups
                  AND ($u IS NULL OR e.valid_at > $v OR (e.valid_at = $v AND (e.created_at > $c OR (e.created_at = $c AND e.uuid > $u))))
                RETURN\s""" + Rows.EPISODE + " ORDER BY e.valid_at, e.created_at, e.uuid LIMIT $limit", p)
                .stream().map(r -> Rows.episode(r.get("episode"))).toList();
    }

    List<Entity> entitiesOf(String episodeUuid) {
        MemoryInput.uuid("episodeUuid", episodeUuid);
        List<Record> rows = bolt.read("""
                MATCH (e:Episode {uuid: $uuid})
                OPTIONAL MATCH (e)-[:MENTIONS]->(n:Entity)
                WITH e, n ORDER BY n.name
                RETURN e.uuid AS episode, collect(CASE WHEN n IS NULL THEN null ELSE\s""" + Rows.ENTITY.replace(" AS entity", "") + " END) AS entities",
                Map.of("uuid", episodeUuid));
        if (rows.isEmpty()) throw new MemoryNotFoundException("episodeUuid", "episode", episodeUuid);
        return rows.get(0).get("entities").asList(Rows::entity);
    }

    // ---------- entities ----------

    /** Checks an entity upsert and returns its parameter row (embedding filled in later). */
    private Map<String, Object> entityRow(String f, NewEntity e) {
        if (e == null) throw new MemoryInputException(f, "is missing");
        Map<String, Object> row = new HashMap<>();
        row.put("group_id", group(f + "groupId", e.groupId()));
        row.put("name", MemoryInput.text(f + "name", e.name(), MAX_NAME));
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < e.labels().size(); i++) labels.add(MemoryInput.label(f + "labels[" + i + "]", e.labels().get(i)));
        row.put("labels", labels);
        row.put("summary", optionalText(f + "summary", e.summary(), MAX_TEXT));
        List<String> obs = new ArrayList<>();
        for (int i = 0; i < e.observations().size(); i++)
            obs.add(MemoryInput.text(f + "observations[" + i + "]", e.observations().get(i), MAX_TEXT));
        row.put("observations", List.copyOf(new LinkedHashSet<>(obs)));
        Map<String, Object> attrs = new HashMap<>();
        for (var a : e.attributes().entrySet()) {
            if (a.getKey() == null || !ATTRIBUTE_KEY.matcher(a.getKey()).matches())
                throw new MemoryInputException(f + "attributes", "attribute names must match [A-Za-z][A-Za-z0-9_]* (at most 64), was '" + a.getKey() + "'");
            attrs.put(Rows.ATTR_PREFIX + a.getKey(), optionalText(f + "attributes." + a.getKey(), a.getValue(), MAX_TEXT));
        }
        row.put("attributes", attrs);
        List<String> eps = new ArrayList<>();
        for (int i = 0; i < e.episodeUuids().size(); i++) eps.add(MemoryInput.uuid(f + "episodeUuids[" + i + "]", e.episodeUuids().get(i)));
        row.put("episodes", eps);
        row.put("uuid", UUID.randomUUID().toString());
        row.put("created_at", recorded(f + "createdAt", e.createdAt()));
        return row;
    }

    List<EntityWrite> upsertEntities(List<NewEntity> entities) {
        if (entities == null) throw new MemoryInputException("entities", "is missing");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < entities.size(); i++)
            rows.add(entityRow(entities.size() == 1 ? "" : "entities[" + i + "].", entities.get(i)));
        if (rows.isEmpty()) return List.of();
        checkEpisodes(rows.stream().flatMap(r -> strings(r.get("episodes")).stream()).toList(), "episodeUuids");
        embedNewNames(rows);
        ZonedDateTime now = now();
        return bolt.inWrite(tx -> upsertEntities(tx, rows, now)).stream()
                .map(r -> new EntityWrite(Rows.entity(r.get("entity")), r.get("created").asBoolean())).toList();
    }

    /** Embeds the names of rows whose entity does not exist yet (existing names keep their vector). */
    private void embedNewNames(List<Map<String, Object>> rows) {
        List<Map<String, Object>> keys = rows.stream().map(r -> Map.<String, Object>of("g", r.get("group_id"), "n", r.get("name"))).toList();
        Set<String> existing = new HashSet<>();
        for (Record r : bolt.read("UNWIND $keys AS k MATCH (n:Entity {group_id: k.g, name: k.n}) RETURN k.g + '\\u0000' + k.n AS key",
                Map.of("keys", keys))) existing.add(r.get("key").asString());
        Map<String, List<Map<String, Object>>> missing = new LinkedHashMap<>();
        for (var r : rows) {
            String key = r.get("group_id") + "\u0000" + r.get("name");
            if (!existing.contains(key)) missing.computeIfAbsent((String) r.get("name"), k -> new ArrayList<>()).add(r);
        }
        if (missing.isEmpty()) return;
        List<String> names = new ArrayList<>(missing.keySet());
        List<float[]> vectors = embedder.embedAll(names);
        for (int i = 0; i < names.size(); i++)
            for (var r : missing.get(names.get(i))) r.put("embedding", Rows.vector(vectors.get(i)));
    }

    private static List<Record> upsertEntities(TransactionContext tx, List<Map<String, Object>> rows, ZonedDateTime now) {
        List<Record> out = tx.run("""
                UNWIND $rows AS row
                MERGE (n:Entity {group_id: row.group_id, name: row.name})
                ON CREATE SET n.uuid = row.uuid, n.created_at = coalesce(row.created_at, $now), n.observations = [], n.summary = ''
                WITH n, row, n.uuid = row.uuid AS created
                SET n:$(row.labels)
                SET n.summary = coalesce(row.summary, n.summary)
                SET n += row.attributes
                SET n.observations = n.observations + [o IN row.observations WHERE NOT o IN n.observations]
                SET n.observations_text = reduce(s = '', o IN n.observations | s + o + '\\n')
                WITH n, row, created
                CALL (n, row) {
                  WITH n, row WHERE row.embedding IS NOT NULL
                  CALL db.create.setNodeVectorProperty(n, 'name_embedding', row.embedding)
                }
                CALL (n, row) {
                  UNWIND row.episodes AS ep
                  MATCH (e:Episode {uuid: ep})
                  MERGE (e)-[m:MENTIONS]->(n) ON CREATE SET m.group_id = n.group_id, m.created_at = $now
                }
                RETURN created,\s""" + Rows.ENTITY, Map.of("rows", rows, "now", now)).list();
        return out;
    }

    List<String> changeObservations(String groupId, String entityName, List<String> observations, boolean add) {
        String g = group("groupId", groupId);
        MemoryInput.text("entityName", entityName, MAX_NAME);
        if (observations == null) throw new MemoryInputException("observations", "is missing");
        List<String> obs = new ArrayList<>();
        for (int i = 0; i < observations.size(); i++) obs.add(MemoryInput.text("observations[" + i + "]", observations.get(i), MAX_TEXT));
        List<String> distinct = List.copyOf(new LinkedHashSet<>(obs));
        List<Record> rows = bolt.write(add ? """
                MATCH (n:Entity {group_id: $g, name: $name})
                WITH n, [o IN $obs WHERE NOT o IN n.observations] AS changed
                SET n.observations = n.observations + changed
                SET n.observations_text = reduce(s = '', o IN n.observations | s + o + '\\n')
                RETURN changed""" : """
                MATCH (n:Entity {group_id: $g, name: $name})
                WITH n, [o IN $obs WHERE o IN n.observations] AS changed
                SET n.observations = [o IN n.observations WHERE NOT o IN changed]
                SET n.observations_text = reduce(s = '', o IN n.observations | s + o + '\\n')
                RETURN changed""", Map.of("g", g, "name", entityName, "obs", distinct));
        if (rows.isEmpty()) throw new MemoryNotFoundException("entityName", "entity", entityName);
        return rows.get(0).get("changed").asList(Value::asString);
    }

    Optional<Entity> entity(String uuid) {
        MemoryInput.uuid("uuid", uuid);
        return bolt.read("MATCH (n:Entity {uuid: $uuid}) RETURN " + Rows.ENTITY, Map.of("uuid", uuid))
                .stream().findFirst().map(r -> Rows.entity(r.get("entity")));
    }

    Optional<Entity> entityNamed(String groupId, String name) {
        String g = group("groupId", groupId);
        MemoryInput.text("name", name, MAX_NAME);
        return bolt.read("MATCH (n:Entity {group_id: $g, name: $name}) RETURN " + Rows.ENTITY, Map.of("g", g, "name", name))
                .stream().findFirst().map(r -> Rows.entity(r.get("entity")));
    }

    // ---------- facts ----------

    private record Endpoint(String uuid, Map<String, Object> byName) {}

    List<Fact> addFacts(List<NewFact> facts) {
        if (facts == null) throw new MemoryInputException("facts", "is missing");
        if (facts.isEmpty()) return List.of();
        boolean single = facts.size() == 1;
        List<Map<String, Object>> rows = new ArrayList<>(facts.size());
        Map<String, Map<String, Object>> namedEntities = new LinkedHashMap<>();
        Map<String, String> idGroups = new HashMap<>(); // uuid -> group it must be in
        Map<String, String> idFields = new HashMap<>();
        List<String> toEmbed = new ArrayList<>();
        List<Integer> toEmbedRows = new ArrayList<>();
        for (int i = 0; i < facts.size(); i++) {
            String f = single ? "" : "facts[" + i + "].";
            NewFact nf = facts.get(i);
            if (nf == null) throw new MemoryInputException("facts[" + i + "]", "is missing");
            Map<String, Object> row = new HashMap<>();
            String g = group(f + "groupId", nf.groupId());
            row.put("group_id", g);
            row.put("name", MemoryInput.relationName(f + "name", nf.name()));
            row.put("fact", MemoryInput.text(f + "fact", nf.fact(), MAX_TEXT));
            row.put("i", i);
            for (String side : List.of("source", "target")) {
                EntityRef ref = side.equals("source") ? nf.source() : nf.target();
                switch (ref) {
                    case null -> throw new MemoryInputException(f + side, "is missing (an entity uuid or name)");
                    case EntityRef.ById id -> {
                        MemoryInput.uuid(f + side + ".uuid", id.uuid());
                        String prev = idGroups.putIfAbsent(id.uuid(), g);
                        if (prev != null && !prev.equals(g))
                            throw new MemoryInputException(f + side + ".uuid", "entity " + id.uuid() + " is used in groups " + prev + " and " + g);
                        idFields.putIfAbsent(id.uuid(), f + side + ".uuid");
                        row.put(side, id.uuid());
                    }
                    case EntityRef.ByName byName -> {
                        NewEntity ne = new NewEntity(g, byName.name(), byName.labels(), null, List.of(), Map.of(), nf.episodeUuids());
                        Map<String, Object> er = entityRow(f + side + ".", ne);
                        String key = g + "\u0000" + byName.name();
                        Map<String, Object> known = namedEntities.get(key);
                        if (known == null) namedEntities.put(key, er);
                        else mergeEntityRows(known, er);
                        row.put(side + "Key", key);
                    }
                }
            }
            if (nf.validAt() != null && nf.invalidAt() != null && nf.invalidAt().isBefore(nf.validAt()))
                throw new MemoryInputException(f + "invalidAt", "(" + nf.invalidAt() + ") is before validAt (" + nf.validAt() + ")");
            row.put("valid_at", Rows.utc(nf.validAt()));
            row.put("invalid_at", Rows.utc(nf.invalidAt()));
            row.put("supersede", nf.supersede());
            ZonedDateTime learned = recorded(f + "createdAt", nf.createdAt());
            ZonedDateTime retracted = recorded(f + "expiredAt", nf.expiredAt());
            if (retracted != null && (learned == null || retracted.isBefore(learned)))
                throw new MemoryInputException(f + "expiredAt", "(" + nf.expiredAt() + ") needs a createdAt at or before it");
            row.put("created_at", learned);
            row.put("expired_at", retracted);
            List<String> eps = new ArrayList<>();
            for (int k = 0; k < nf.episodeUuids().size(); k++) eps.add(MemoryInput.uuid(f + "episodeUuids[" + k + "]", nf.episodeUuids().get(k)));
            row.put("episodes", List.copyOf(new LinkedHashSet<>(eps)));
            row.put("uuid", uuidOrNew(f + "uuid", nf.uuid()));
            if (nf.embedding() != null) {
                if (nf.embedding().length != embedder.dimension())
                    throw new MemoryInputException(f + "embedding", "has " + nf.embedding().length + " dimensions, the embedder's is " + embedder.dimension());
                row.put("embedding", Rows.vector(nf.embedding()));
            } else {
                toEmbed.add((String) row.get("fact"));
                toEmbedRows.add(i);
            }
            rows.add(row);
        }
        long t0 = System.nanoTime();
        checkEntityIds(idGroups, idFields);
        checkEpisodes(rows.stream().flatMap(r -> strings(r.get("episodes")).stream()).toList(), single ? "episodeUuids" : "facts[].episodeUuids");
        List<Map<String, Object>> entityRows = new ArrayList<>(namedEntities.values());
        if (!entityRows.isEmpty()) embedNewNames(entityRows);
        if (!toEmbed.isEmpty()) {
            List<float[]> vectors = embedder.embedAll(toEmbed);
            for (int k = 0; k < vectors.size(); k++) rows.get(toEmbedRows.get(k)).put("embedding", Rows.vector(vectors.get(k)));
        }
        long t1 = System.nanoTime();
        ZonedDateTime now = now();
        List<Fact> written;
        try {
            written = bolt.inWrite(tx -> writeFacts(tx, rows, entityRows, now));
        } catch (MemoryStoreException e) {
            throw uuidTaken(e, single ? "uuid" : "facts[].uuid", "given");
        }
        if (log.isDebugEnabled())
            log.debug("addFacts({}): checks+embedding {} ms, write {} ms", facts.size(),
                    (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
        return written;
    }

    private static void mergeEntityRows(Map<String, Object> into, Map<String, Object> more) {
        Set<String> labels = new LinkedHashSet<>(strings(into.get("labels")));
        labels.addAll(strings(more.get("labels")));
        into.put("labels", List.copyOf(labels));
        Set<String> eps = new LinkedHashSet<>(strings(into.get("episodes")));
        eps.addAll(strings(more.get("episodes")));
        into.put("episodes", List.copyOf(eps));
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object o) {
        return (List<String>) o;
    }

    /** One transaction: endpoints, duplicate check, supersede, create, provenance. Returns the stored fact per row. */
    private List<Fact> writeFacts(TransactionContext tx, List<Map<String, Object>> input,
                                    List<Map<String, Object>> entityRows, ZonedDateTime now) {
        long w0 = System.nanoTime();
        Map<String, String> keyToUuid = new HashMap<>();
        if (!entityRows.isEmpty()) {
            // Endpoints named by facts: create if missing, add labels; existing entities are otherwise left untouched.
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
                    RETURN n.group_id + '\\u0000' + n.name AS key, n.uuid AS uuid""", Map.of("rows", entityRows, "now", now)).list())
                keyToUuid.put(r.get("key").asString(), r.get("uuid").asString());
        }
        // Copies: the driver runs this function again after a deadlock, and by then another writer may have
        // created a named endpoint under its own uuid, so names are resolved afresh on every attempt.
        List<Map<String, Object>> rows = new ArrayList<>(input.size());
        for (var in : input) {
            Map<String, Object> row = new HashMap<>(in);
            if (row.containsKey("sourceKey")) row.put("source", keyToUuid.get((String) row.remove("sourceKey")));
            if (row.containsKey("targetKey")) row.put("target", keyToUuid.get((String) row.remove("targetKey")));
            rows.add(row);
        }
        long w1 = System.nanoTime();
        String[] keptUuid = new String[rows.size()]; // the existing fact a row repeats
        // The same statement twice in a batch, or again later with the same endpoints: keep one fact (Graphiti's fast path).
        Map<String, Integer> firstOfKey = new HashMap<>();
        List<Map<String, Object>> candidates = new ArrayList<>();
        for (var row : rows) {
            String key = row.get("group_id") + "\u0000" + row.get("source") + "\u0000" + row.get("name") + "\u0000" + row.get("target")
                    + "\u0000" + row.get("fact") + "\u0000" + row.get("created_at") + "\u0000" + row.get("expired_at");
            Integer first = firstOfKey.putIfAbsent(key, (Integer) row.get("i"));
            if (first != null) row.put("sameAs", first);
            else candidates.add(row);
        }
        for (Record r : tx.run("""
                UNWIND $rows AS row
                MATCH (s:Entity {uuid: row.source})-[old:RELATES_TO]->(t:Entity {uuid: row.target})
                WHERE row.expired_at IS NULL AND old.name = row.name AND old.fact = row.fact
                  AND old.group_id = row.group_id AND old.invalid_at IS NULL AND old.expired_at IS NULL
                WITH row, head(collect(old)) AS old
                SET old.episodes = old.episodes + [e IN row.episodes WHERE NOT e IN old.episodes]
                RETURN row.i AS i, old.uuid AS uuid""", Map.of("rows", candidates)).list())
            keptUuid[r.get("i").asInt()] = r.get("uuid").asString();
        long w2 = System.nanoTime();
        List<Map<String, Object>> fresh = new ArrayList<>();
        for (var row : candidates) if (keptUuid[(Integer) row.get("i")] == null) fresh.add(row);
        for (var row : fresh) {
            if (!(Boolean) row.get("supersede")) continue;
            Map<String, Object> p = new HashMap<>();
            p.put("source", row.get("source"));
            p.put("name", row.get("name"));
            p.put("group", row.get("group_id"));
            p.put("at", row.get("valid_at") == null ? now : row.get("valid_at"));
            p.put("now", now);
            // Only facts that started before the new one are ended by it; a later-starting one stays.
            tx.run("""
                    MATCH (s:Entity {uuid: $source})-[r:RELATES_TO {name: $name}]->()
                    WHERE r.group_id = $group AND r.expired_at IS NULL
                      AND (r.invalid_at IS NULL OR r.invalid_at > $at)
                      AND (r.valid_at IS NULL OR r.valid_at <= $at)
                    SET r.invalid_at = $at, r.expired_at = $now""", p).consume();
        }
        Fact[] facts = new Fact[rows.size()];
        if (!fresh.isEmpty()) {
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
                    Map.of("rows", fresh, "now", now)).list())
                facts[r.get("i").asInt()] = Rows.fact(r.get("fact"));
        }
        long w3 = System.nanoTime();
        List<Map<String, Object>> withEpisodes = rows.stream().filter(r -> !strings(r.get("episodes")).isEmpty()).toList();
        if (!withEpisodes.isEmpty())
            tx.run("""
                    UNWIND $rows AS row
                    UNWIND row.episodes AS ep
                    MATCH (e:Episode {uuid: ep})
                    UNWIND [row.source, row.target] AS u
                    MATCH (n:Entity {uuid: u})
                    MERGE (e)-[m:MENTIONS]->(n) ON CREATE SET m.group_id = n.group_id, m.created_at = $now""",
                    Map.of("rows", withEpisodes, "now", now)).consume();
        if (log.isDebugEnabled())
            log.debug("writeFacts({}): endpoints {} ms, duplicates {} ms, create {} ms", rows.size(),
                    (w1 - w0) / 1_000_000, (w2 - w1) / 1_000_000, (w3 - w2) / 1_000_000);
        // Facts kept as repeats are read last: a supersede above may have ended one of them.
        List<String> keptUuids = Arrays.stream(keptUuid).filter(Objects::nonNull).distinct().toList();
        if (!keptUuids.isEmpty()) {
            Map<String, Fact> kept = new HashMap<>();
            for (Record r : tx.run("UNWIND $uuids AS u MATCH ()-[r:RELATES_TO {uuid: u}]->() RETURN " + Rows.FACT,
                    Map.of("uuids", keptUuids)).list()) {
                Fact f = Rows.fact(r.get("fact"));
                kept.put(f.uuid(), f);
            }
            for (int i = 0; i < keptUuid.length; i++) if (keptUuid[i] != null) facts[i] = kept.get(keptUuid[i]);
        }
        for (var row : rows)
            if (row.containsKey("sameAs")) facts[(Integer) row.get("i")] = facts[(Integer) row.get("sameAs")];
        for (int i = 0; i < facts.length; i++)
            if (facts[i] == null) // an endpoint or the repeated fact was deleted by a concurrent writer: store nothing
                throw new MemoryStoreException("fact " + i + " of the batch could not be stored: its entity or the fact it "
                        + "repeats was deleted meanwhile; nothing was stored, try again", null);
        return List.of(facts);
    }

    private void checkEntityIds(Map<String, String> idGroups, Map<String, String> idFields) {
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

    private void checkEpisodes(List<String> uuids, String field) {
        if (uuids.isEmpty()) return;
        Set<String> want = new LinkedHashSet<>(uuids);
        Set<String> found = new HashSet<>();
        for (Record r : bolt.read("UNWIND $ids AS id MATCH (e:Episode {uuid: id}) RETURN e.uuid AS uuid", Map.of("ids", new ArrayList<>(want))))
            found.add(r.get("uuid").asString());
        for (String u : want) if (!found.contains(u)) throw new MemoryNotFoundException(field, "episode", u);
    }

    Fact invalidateFact(String uuid, Instant at) {
        MemoryInput.uuid("uuid", uuid);
        ZonedDateTime now = now();
        Fact current = fact(uuid).orElseThrow(() -> new MemoryNotFoundException("uuid", "fact", uuid));
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

    Optional<Fact> fact(String uuid) {
        MemoryInput.uuid("uuid", uuid);
        return bolt.read("MATCH ()-[r:RELATES_TO {uuid: $uuid}]->() RETURN " + Rows.FACT, Map.of("uuid", uuid))
                .stream().findFirst().map(r -> Rows.fact(r.get("fact")));
    }

    List<Fact> timeline(String entityUuid) {
        MemoryInput.uuid("entityUuid", entityUuid);
        List<Record> rows = bolt.read("""
                MATCH (n:Entity {uuid: $uuid})
                OPTIONAL MATCH (n)-[r:RELATES_TO]-()
                WITH n, r ORDER BY r.valid_at IS NOT NULL, r.valid_at, r.created_at
                RETURN n.uuid AS entity, collect(CASE WHEN r IS NULL THEN null ELSE\s""" + Rows.FACT.replace(" AS fact", "") + " END) AS facts",
                Map.of("uuid", entityUuid));
        if (rows.isEmpty()) throw new MemoryNotFoundException("entityUuid", "entity", entityUuid);
        return rows.get(0).get("facts").asList(Rows::fact);
    }

    // ---------- deletes ----------

    Deletion deleteEpisode(String uuid) {
        MemoryInput.uuid("uuid", uuid);
        return bolt.inWrite(tx -> {
            List<Record> found = tx.run("MATCH (e:Episode {uuid: $uuid}) RETURN e.uuid", Map.of("uuid", uuid)).list();
            if (found.isEmpty()) throw new MemoryNotFoundException("uuid", "episode", uuid);
            // Facts first brought by this episode go with it (Graphiti's rule: the episode is the first in their list).
            long facts = tx.run("""
                    MATCH (e:Episode {uuid: $uuid})-[:MENTIONS]->(:Entity)-[r:RELATES_TO]-()
                    WHERE r.episodes[0] = $uuid
                    WITH DISTINCT r DELETE r RETURN count(*) AS n""", Map.of("uuid", uuid)).single().get("n").asLong();
            tx.run("""
                    MATCH (e:Episode {uuid: $uuid})-[:MENTIONS]->(:Entity)-[r:RELATES_TO]-()
                    WHERE $uuid IN r.episodes
                    WITH DISTINCT r SET r.episodes = [x IN r.episodes WHERE x <> $uuid]""", Map.of("uuid", uuid)).consume();
            // Entities only this episode mentioned, and that no remaining fact needs.
            Record ents = tx.run("""
                    MATCH (e:Episode {uuid: $uuid})-[:MENTIONS]->(n:Entity)
                    WHERE COUNT { (:Episode)-[:MENTIONS]->(n) } = 1 AND NOT (n)-[:RELATES_TO]-()
                    WITH collect(n) AS ns
                    FOREACH (n IN ns | DETACH DELETE n)
                    RETURN size(ns) AS n""", Map.of("uuid", uuid)).single();
            tx.run("MATCH (e:Episode {uuid: $uuid}) DETACH DELETE e", Map.of("uuid", uuid)).consume();
            return new Deletion(1, ents.get("n").asLong(), facts);
        });
    }

    Deletion deleteEntity(String uuid) {
        MemoryInput.uuid("uuid", uuid);
        List<Record> rows = bolt.write("""
                MATCH (n:Entity {uuid: $uuid})
                WITH n, COUNT { (n)-[:RELATES_TO]-() } AS facts
                DETACH DELETE n
                RETURN facts""", Map.of("uuid", uuid));
        if (rows.isEmpty()) throw new MemoryNotFoundException("uuid", "entity", uuid);
        return new Deletion(0, 1, rows.get(0).get("facts").asLong());
    }

    Deletion deleteFact(String uuid) {
        MemoryInput.uuid("uuid", uuid);
        List<Record> rows = bolt.write("MATCH ()-[r:RELATES_TO {uuid: $uuid}]->() DELETE r RETURN 1 AS one", Map.of("uuid", uuid));
        if (rows.isEmpty()) throw new MemoryNotFoundException("uuid", "fact", uuid);
        return new Deletion(0, 0, 1);
    }

    Deletion clearGroup(String groupId) {
        String g = MemoryInput.groupId("groupId", groupId);
        MemoryStats before = stats(List.of(g));
        // Batched so a large group does not need one huge transaction.
        bolt.autoCommit("""
                MATCH (n:Entity) WHERE n.group_id = $g
                CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS""", Map.of("g", g));
        bolt.autoCommit("""
                MATCH (n:Episode) WHERE n.group_id = $g
                CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS""", Map.of("g", g));
        return new Deletion(before.episodes(), before.entities(), before.facts());
    }

    // ---------- whole-graph reads ----------

    GraphSnapshot snapshot(List<String> groupIds, int limit) {
        List<String> gs = groups(groupIds);
        if (limit < 1 || limit > 10_000_000) throw new MemoryInputException("limit", "must be between 1 and 10000000, was " + limit);
        List<Entity> entities = bolt.read("MATCH (n:Entity) WHERE n.group_id IN $groups RETURN " + Rows.ENTITY
                + " ORDER BY n.group_id, n.created_at, n.name LIMIT $limit", Map.of("groups", gs, "limit", limit))
                .stream().map(r -> Rows.entity(r.get("entity"))).toList();
        List<Fact> facts = bolt.read("MATCH ()-[r:RELATES_TO]->() WHERE r.group_id IN $groups RETURN " + Rows.FACT
                + " ORDER BY r.group_id, r.created_at LIMIT $limit", Map.of("groups", gs, "limit", limit))
                .stream().map(r -> Rows.fact(r.get("fact"))).toList();
        return new GraphSnapshot(entities, facts);
    }

    MemoryStats stats(List<String> groupIds) {
        List<String> gs = groups(groupIds);
        Record r = bolt.read("""
                CALL () { MATCH (e:Episode) WHERE e.group_id IN $groups
                          RETURN count(e) AS episodes, count(CASE WHEN e.extraction = 'PENDING' THEN 1 END) AS pending }
                CALL () { MATCH (n:Entity) WHERE n.group_id IN $groups RETURN count(n) AS entities }
                CALL () { MATCH ()-[r:RELATES_TO]->() WHERE r.group_id IN $groups
                          RETURN count(r) AS facts,
                                 count(CASE WHEN (r.invalid_at IS NULL OR r.invalid_at > $now)
                                             AND (r.valid_at IS NULL OR r.valid_at <= $now) THEN 1 END) AS current }
                RETURN episodes, pending, entities, facts, current""", Map.of("groups", gs, "now", now())).get(0);
        return new MemoryStats(r.get("episodes").asLong(), r.get("pending").asLong(), r.get("entities").asLong(),
                r.get("facts").asLong(), r.get("current").asLong());
    }

    private static RuntimeException uuidTaken(MemoryStoreException e, String field, String uuid) {
        if (e.getCause() instanceof org.neo4j.driver.exceptions.Neo4jException n
                && "Neo.ClientError.Schema.ConstraintValidationFailed".equals(n.code()))
            return new MemoryInputException(field, "uuid " + uuid + " is already used");
        return e;
    }
}
