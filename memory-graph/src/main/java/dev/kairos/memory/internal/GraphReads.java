package dev.kairos.memory.internal;

import dev.kairos.memory.Entity;
import dev.kairos.memory.Episode;
import dev.kairos.memory.Fact;
import dev.kairos.memory.GraphSnapshot;
import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemoryNotFoundException;
import dev.kairos.memory.MemoryStats;
import org.neo4j.driver.Record;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Plain reads (no search): one record by uuid or name, pages of episodes, timelines, snapshots and counts. */
final class GraphReads {
    private final Bolt bolt;
    private final Checks checks;

    GraphReads(Bolt bolt, Checks checks) {
        this.bolt = bolt;
        this.checks = checks;
    }

    Optional<Episode> episode(String uuid) {
        MemoryInput.uuid("uuid", uuid);
        return bolt.read("MATCH (e:Episode {uuid: $uuid}) RETURN " + Rows.EPISODE, Map.of("uuid", uuid))
                .stream().findFirst().map(r -> Rows.episode(r.get("episode")));
    }

    /** The newest episodes first, or with {@code pendingOnly} those waiting for extraction, oldest first. */
    List<Episode> episodes(List<String> groupIds, int limit, boolean pendingOnly) {
        List<String> gs = checks.groups(groupIds);
        if (limit < 1 || limit > 10_000) throw new MemoryInputException("limit", "must be between 1 and 10000, was " + limit);
        String cypher = pendingOnly
                ? "MATCH (e:Episode) WHERE e.extraction = 'PENDING' AND e.group_id IN $groups RETURN " + Rows.EPISODE
                  + " ORDER BY e.created_at ASC LIMIT $limit"
                : "MATCH (e:Episode) WHERE e.group_id IN $groups RETURN " + Rows.EPISODE
                  + " ORDER BY e.valid_at DESC, e.created_at DESC LIMIT $limit";
        return bolt.read(cypher, Map.of("groups", gs, "limit", limit)).stream().map(r -> Rows.episode(r.get("episode"))).toList();
    }

    List<Episode> episodesAfter(List<String> groupIds, Episode after, int limit) {
        List<String> gs = checks.groups(groupIds);
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

    Optional<Entity> entity(String uuid) {
        MemoryInput.uuid("uuid", uuid);
        return bolt.read("MATCH (n:Entity {uuid: $uuid}) RETURN " + Rows.ENTITY, Map.of("uuid", uuid))
                .stream().findFirst().map(r -> Rows.entity(r.get("entity")));
    }

    Optional<Entity> entityNamed(String groupId, String name) {
        String g = checks.group("groupId", groupId);
        MemoryInput.text("name", name, Checks.MAX_NAME);
        return bolt.read("MATCH (n:Entity {group_id: $g, name: $name}) RETURN " + Rows.ENTITY, Map.of("g", g, "name", name))
                .stream().findFirst().map(r -> Rows.entity(r.get("entity")));
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

    GraphSnapshot snapshot(List<String> groupIds, int limit) {
        List<String> gs = checks.groups(groupIds);
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
        List<String> gs = checks.groups(groupIds);
        Record r = bolt.read("""
                CALL () { MATCH (e:Episode) WHERE e.group_id IN $groups
                          RETURN count(e) AS episodes, count(CASE WHEN e.extraction = 'PENDING' THEN 1 END) AS pending }
                CALL () { MATCH (n:Entity) WHERE n.group_id IN $groups RETURN count(n) AS entities }
                CALL () { MATCH ()-[r:RELATES_TO]->() WHERE r.group_id IN $groups
                          RETURN count(r) AS facts,
                                 count(CASE WHEN (r.invalid_at IS NULL OR r.invalid_at > $now)
                                             AND (r.valid_at IS NULL OR r.valid_at <= $now) THEN 1 END) AS current }
                RETURN episodes, pending, entities, facts, current""", Map.of("groups", gs, "now", Checks.now())).get(0);
        return new MemoryStats(r.get("episodes").asLong(), r.get("pending").asLong(), r.get("entities").asLong(),
                r.get("facts").asLong(), r.get("current").asLong());
    }
}
