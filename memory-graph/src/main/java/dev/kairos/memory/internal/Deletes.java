package dev.kairos.memory.internal;

import dev.kairos.memory.Deletion;
import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryNotFoundException;
import dev.kairos.memory.MemoryStats;
import org.neo4j.driver.Record;

import java.util.List;
import java.util.Map;

/** Deletes: an episode with Graphiti's cascade, an entity with its facts, one fact, a whole group in batches. */
final class Deletes {
    private final Bolt bolt;
    private final GraphReads reads;

    Deletes(Bolt bolt, GraphReads reads) {
        this.bolt = bolt;
        this.reads = reads;
    }

    Deletion episode(String uuid) {
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

    Deletion entity(String uuid) {
        MemoryInput.uuid("uuid", uuid);
        List<Record> rows = bolt.write("""
                MATCH (n:Entity {uuid: $uuid})
                WITH n, COUNT { (n)-[:RELATES_TO]-() } AS facts
                DETACH DELETE n
                RETURN facts""", Map.of("uuid", uuid));
        if (rows.isEmpty()) throw new MemoryNotFoundException("uuid", "entity", uuid);
        return new Deletion(0, 1, rows.get(0).get("facts").asLong());
    }

    Deletion fact(String uuid) {
        MemoryInput.uuid("uuid", uuid);
        List<Record> rows = bolt.write("MATCH ()-[r:RELATES_TO {uuid: $uuid}]->() DELETE r RETURN 1 AS one", Map.of("uuid", uuid));
        if (rows.isEmpty()) throw new MemoryNotFoundException("uuid", "fact", uuid);
        return new Deletion(0, 0, 1);
    }

    Deletion group(String groupId) {
        String g = MemoryInput.groupId("groupId", groupId);
        MemoryStats before = reads.stats(List.of(g));
        // Batched so a large group does not need one huge transaction.
        bolt.autoCommit("""
                MATCH (n:Entity) WHERE n.group_id = $g
                CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS""", Map.of("g", g));
        bolt.autoCommit("""
                MATCH (n:Episode) WHERE n.group_id = $g
                CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS""", Map.of("g", g));
        return new Deletion(before.episodes(), before.entities(), before.facts());
    }
}
