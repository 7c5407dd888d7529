package dev.kairos.memory.internal;

import dev.kairos.memory.Embedder;
import dev.kairos.memory.EntityWrite;
import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemoryNotFoundException;
import dev.kairos.memory.NewEntity;
import org.neo4j.driver.Record;
import org.neo4j.driver.TransactionContext;
import org.neo4j.driver.Value;

import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/** Entity writes: upserts matched by (group, name), and observations added or removed. */
final class EntityWrites {
    private static final Pattern ATTRIBUTE_KEY = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");

    /** A checked entity upsert; {@code embedding} is filled in only for a name not in the graph yet. */
    record EntityRow(String groupId, String name, List<String> labels, String summary, List<String> observations,
                     Map<String, Object> attributes, List<String> episodes, String uuid, ZonedDateTime createdAt,
                     List<Double> embedding) {

        /** The key an entity is matched by. */
        String key() {
            return groupId + "\u0000" + name;
        }

        EntityRow withEmbedding(List<Double> v) {
            return new EntityRow(groupId, name, labels, summary, observations, attributes, episodes, uuid, createdAt, v);
        }

        /** The same entity named again in a batch: labels and episodes add up. */
        EntityRow merge(EntityRow more) {
            Set<String> ls = new LinkedHashSet<>(labels);
            ls.addAll(more.labels);
            Set<String> eps = new LinkedHashSet<>(episodes);
            eps.addAll(more.episodes);
            return new EntityRow(groupId, name, List.copyOf(ls), summary, observations, attributes, List.copyOf(eps), uuid, createdAt, embedding);
        }

        Map<String, Object> params() {
            Map<String, Object> p = new HashMap<>();
            p.put("group_id", groupId);
            p.put("name", name);
            p.put("labels", labels);
            p.put("summary", summary);
            p.put("observations", observations);
            p.put("attributes", attributes);
            p.put("episodes", episodes);
            p.put("uuid", uuid);
            p.put("created_at", createdAt);
            p.put("embedding", embedding);
            return p;
        }
    }

    private final Bolt bolt;
    private final Embedder embedder;
    private final Checks checks;

    EntityWrites(Bolt bolt, Embedder embedder, Checks checks) {
        this.bolt = bolt;
        this.embedder = embedder;
        this.checks = checks;
    }

    /** Checks an entity upsert; {@code f} prefixes the field names in errors. */
    EntityRow row(String f, NewEntity e) {
        if (e == null) throw new MemoryInputException(f, "is missing");
        String group = checks.group(f + "groupId", e.groupId());
        String name = MemoryInput.text(f + "name", e.name(), Checks.MAX_NAME);
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < e.labels().size(); i++) labels.add(MemoryInput.label(f + "labels[" + i + "]", e.labels().get(i)));
        String summary = Checks.optionalText(f + "summary", e.summary(), Checks.MAX_TEXT);
        List<String> obs = new ArrayList<>();
        for (int i = 0; i < e.observations().size(); i++)
            obs.add(MemoryInput.text(f + "observations[" + i + "]", e.observations().get(i), Checks.MAX_TEXT));
        Map<String, Object> attrs = new HashMap<>();
        for (var a : e.attributes().entrySet()) {
            if (a.getKey() == null || !ATTRIBUTE_KEY.matcher(a.getKey()).matches())
                throw new MemoryInputException(f + "attributes", "attribute names must match [A-Za-z][A-Za-z0-9_]* (at most 64), was '" + a.getKey() + "'");
            attrs.put(Rows.ATTR_PREFIX + a.getKey(), Checks.optionalText(f + "attributes." + a.getKey(), a.getValue(), Checks.MAX_TEXT));
        }
        List<String> eps = Checks.uuids(f + "episodeUuids", e.episodeUuids());
        return new EntityRow(group, name, labels, summary, List.copyOf(new LinkedHashSet<>(obs)), attrs, eps,
                UUID.randomUUID().toString(), Checks.recorded(f + "createdAt", e.createdAt()), null);
    }

    List<EntityWrite> upsert(List<NewEntity> entities) {
        if (entities == null) throw new MemoryInputException("entities", "is missing");
        List<EntityRow> checked = new ArrayList<>();
        for (int i = 0; i < entities.size(); i++)
            checked.add(row(entities.size() == 1 ? "" : "entities[" + i + "].", entities.get(i)));
        if (checked.isEmpty()) return List.of();
        checks.episodesExist(checked.stream().flatMap(r -> r.episodes().stream()).toList(), "episodeUuids");
        List<EntityRow> rows = embedNewNames(checked);
        ZonedDateTime now = Checks.now();
        return bolt.inWrite(tx -> upsert(tx, rows, now)).stream()
                .map(r -> new EntityWrite(Rows.entity(r.get("entity")), r.get("created").asBoolean())).toList();
    }

    /** Embeds the names of rows whose entity does not exist yet (existing names keep their vector). */
    List<EntityRow> embedNewNames(List<EntityRow> rows) {
        List<Map<String, Object>> keys = rows.stream().map(r -> Map.<String, Object>of("g", r.groupId(), "n", r.name())).toList();
        Set<String> existing = new HashSet<>();
        for (Record r : bolt.read("UNWIND $keys AS k MATCH (n:Entity {group_id: k.g, name: k.n}) RETURN k.g + '\\u0000' + k.n AS key",
                Map.of("keys", keys))) existing.add(r.get("key").asString());
        Map<String, List<Integer>> missing = new LinkedHashMap<>(); // name -> rows that need its vector
        for (int i = 0; i < rows.size(); i++)
            if (!existing.contains(rows.get(i).key())) missing.computeIfAbsent(rows.get(i).name(), k -> new ArrayList<>()).add(i);
        if (missing.isEmpty()) return rows;
        List<String> names = new ArrayList<>(missing.keySet());
        List<float[]> vectors = embedder.embedAll(names);
        List<EntityRow> out = new ArrayList<>(rows);
        for (int i = 0; i < names.size(); i++)
            for (int at : missing.get(names.get(i))) out.set(at, out.get(at).withEmbedding(Rows.vector(vectors.get(i))));
        return out;
    }

    private static List<Record> upsert(TransactionContext tx, List<EntityRow> rows, ZonedDateTime now) {
        return tx.run("""
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
                RETURN created,\s""" + Rows.ENTITY, Map.of("rows", rows.stream().map(EntityRow::params).toList(), "now", now)).list();
    }

    /** Adds ({@code add}) or removes observations of the named entity; returns those that changed. */
    List<String> changeObservations(String groupId, String entityName, List<String> observations, boolean add) {
        String g = checks.group("groupId", groupId);
        MemoryInput.text("entityName", entityName, Checks.MAX_NAME);
        if (observations == null) throw new MemoryInputException("observations", "is missing");
        List<String> obs = new ArrayList<>();
        for (int i = 0; i < observations.size(); i++) obs.add(MemoryInput.text("observations[" + i + "]", observations.get(i), Checks.MAX_TEXT));
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
}
