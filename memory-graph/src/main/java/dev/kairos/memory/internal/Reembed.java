package dev.kairos.memory.internal;

import dev.kairos.memory.Embedder;
import dev.kairos.memory.Episode;
import dev.kairos.memory.MemoryGraph;
import org.neo4j.driver.Record;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rebuilds every vector of a database with another embedder: episodes (bare and with context), entity names and
 * facts, in batches, then the vector indexes. Runs on a graph started in re-embedding mode (vector indexes dropped).
 */
final class Reembed {
    private static final int BATCH = 256;

    private Reembed() {}

    static MemoryGraph.Reembedded run(Bolt bolt, Embedder embedder, EpisodeWrites episodes, MemoryGraph.ReembedProgress progress) {
        long nEpisodes = count(bolt, "MATCH (e:Episode) RETURN count(e) AS n");
        long nEntities = count(bolt, "MATCH (n:Entity) RETURN count(n) AS n");
        long nFacts = count(bolt, "MATCH ()-[r:RELATES_TO]->() RETURN count(r) AS n");
        long total = nEpisodes + nEntities + nFacts;
        long done = 0;
        progress.update("episodes", done, total);
        // Episodes in conversation order, so a batch holds each turn's predecessor (the context embedding needs it).
        List<String> order = bolt.read("MATCH (e:Episode) RETURN e.uuid AS u ORDER BY e.group_id, e.valid_at, e.uuid", Map.of())
                .stream().map(r -> r.get("u").asString()).toList();
        for (int i = 0; i < order.size(); i += BATCH) {
            List<Record> recs = bolt.read("UNWIND $ids AS id MATCH (e:Episode {uuid: id}) RETURN " + Rows.EPISODE,
                    Map.of("ids", order.subList(i, Math.min(order.size(), i + BATCH))));
            List<EpisodeWrites.EpisodeRow> rows = new ArrayList<>();
            for (Record r : recs) {
                Episode e = Rows.episode(r.get("episode"));
                rows.add(new EpisodeWrites.EpisodeRow(e.uuid(), e.groupId(), e.name(), e.content(), e.source(), "",
                        Rows.utc(e.validAt()), Rows.utc(e.createdAt()), null, null));
            }
            List<Map<String, Object>> params = new ArrayList<>();
            for (EpisodeWrites.EpisodeRow r : episodes.embed(rows))
                params.add(Map.of("uuid", r.uuid(), "v", r.vector(), "c", r.contextVector()));
            bolt.write("""
                    UNWIND $rows AS row MATCH (e:Episode {uuid: row.uuid})
                    CALL db.create.setNodeVectorProperty(e, 'content_embedding', row.v)
                    WITH e, row CALL db.create.setNodeVectorProperty(e, 'context_embedding', row.c)""", Map.of("rows", params));
            done += rows.size();
            progress.update("episodes", done, total);
        }
        done = texts(bolt, embedder, "MATCH (n:Entity) WHERE n.uuid > $after RETURN n.uuid AS u, n.name AS t ORDER BY n.uuid LIMIT $n",
                "UNWIND $rows AS row MATCH (n:Entity {uuid: row.u}) CALL db.create.setNodeVectorProperty(n, 'name_embedding', row.v)",
                "entities", done, total, progress);
        done = texts(bolt, embedder, "MATCH ()-[r:RELATES_TO]->() WHERE r.uuid > $after RETURN r.uuid AS u, r.fact AS t ORDER BY r.uuid LIMIT $n",
                "UNWIND $rows AS row MATCH ()-[r:RELATES_TO {uuid: row.u}]->() CALL db.create.setRelationshipVectorProperty(r, 'fact_embedding', row.v)",
                "facts", done, total, progress);
        progress.update("indexes", done, total);
        Schema.finishReembed(bolt, embedder);
        return new MemoryGraph.Reembedded(nEpisodes, nEntities, nFacts, embedder.name());
    }

    /** Re-embeds one text per node or relationship, page by page in uuid order. */
    private static long texts(Bolt bolt, Embedder embedder, String page, String write, String what, long done, long total,
                              MemoryGraph.ReembedProgress progress) {
        String after = "";
        while (true) {
            List<Record> recs = bolt.read(page, Map.of("after", after, "n", BATCH));
            if (recs.isEmpty()) return done;
            List<float[]> vs = embedder.embedAll(recs.stream().map(r -> r.get("t").isNull() ? "" : r.get("t").asString()).toList());
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int i = 0; i < recs.size(); i++) {
                Map<String, Object> row = new HashMap<>();
                row.put("u", recs.get(i).get("u").asString());
                row.put("v", Rows.vector(vs.get(i)));
                rows.add(row);
            }
            bolt.write(write, Map.of("rows", rows));
            after = recs.getLast().get("u").asString();
            done += recs.size();
            progress.update(what, done, total);
        }
    }

    private static long count(Bolt bolt, String cypher) {
        return bolt.read(cypher, Map.of()).getFirst().get("n").asLong();
    }
}
