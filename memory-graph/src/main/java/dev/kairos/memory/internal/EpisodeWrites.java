package dev.kairos.memory.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.memory.Embedder;
import dev.kairos.memory.Episode;
import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemoryNotFoundException;
import dev.kairos.memory.MemoryStoreException;
import dev.kairos.memory.NewEpisode;
import org.neo4j.driver.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Episode writes: checked and embedded in the caller's thread, then stored in one transaction per batch. */
final class EpisodeWrites {
    private static final Logger log = LoggerFactory.getLogger(EpisodeWrites.class);
    /** The embedding of a long episode is taken from its start: MiniLM reads 256 tokens at a time anyway. */
    static final int EMBED_CHARS = 2_000;
    /** Earlier episodes of the same group at most this long before an episode are its conversational context. */
    static final java.time.Duration CONTEXT_GAP = java.time.Duration.ofHours(1);
    /** How many earlier episodes, and how much of each, go into the context embedding. */
    static final int CONTEXT_TURNS = 1;
    static final int CONTEXT_CHARS = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A checked episode with its vector, ready for Cypher. */
    record EpisodeRow(String uuid, String group, String name, String content, Episode.Source source, String description,
                      ZonedDateTime validAt, ZonedDateTime createdAt, List<Double> vector, List<Double> contextVector) {

        EpisodeRow withVectors(List<Double> v, List<Double> context) {
            return new EpisodeRow(uuid, group, name, content, source, description, validAt, createdAt, v, context);
        }

        /** The text embedded with its context: the earlier turns (each cut short), then this episode's text. */
        String contextText(List<String> earlier) {
            StringBuilder b = new StringBuilder();
            for (String e : earlier) b.append(e, 0, Math.min(CONTEXT_CHARS, e.length())).append('\n');
            return b.append(embeddedText()).toString();
        }

        /** The text embedded: the title and the start of the content. */
        String embeddedText() {
            return name + "\n" + content.substring(0, Math.min(EMBED_CHARS, content.length()));
        }

        Map<String, Object> params() {
            Map<String, Object> p = new HashMap<>();
            p.put("uuid", uuid);
            p.put("group", group);
            p.put("name", name);
            p.put("content", content);
            p.put("source", source.name());
            p.put("description", description);
            p.put("validAt", validAt);
            p.put("createdAt", createdAt);
            p.put("vector", vector);
            p.put("contextVector", contextVector);
            return p;
        }
    }

    private final Bolt bolt;
    private final Embedder embedder;
    private final Checks checks;

    EpisodeWrites(Bolt bolt, Embedder embedder, Checks checks) {
        this.bolt = bolt;
        this.embedder = embedder;
        this.checks = checks;
    }

    /**
     * Checks and embeds episodes (one embedding pass) and returns their rows for {@link #write}. For add_memory this
     * runs in the caller's thread, so concurrent callers embed in parallel while the group commit writes earlier
     * batches.
     */
    List<EpisodeRow> rows(List<NewEpisode> episodes) {
        List<EpisodeRow> rows = new ArrayList<>(episodes.size());
        for (NewEpisode ep : episodes) rows.add(row(ep));
        return embed(rows);
    }

    /** The rows with their vectors: bare, and with the turn before as context. */
    List<EpisodeRow> embed(List<EpisodeRow> rows) {
        List<List<String>> context = context(rows);
        // One embedding pass: the bare texts, then the texts with context (an episode without context reuses its vector).
        List<String> texts = new ArrayList<>(rows.stream().map(EpisodeRow::embeddedText).toList());
        int[] at = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            at[i] = context.get(i).isEmpty() ? i : texts.size();
            if (!context.get(i).isEmpty()) texts.add(rows.get(i).contextText(context.get(i)));
        }
        List<float[]> vectors = embedder.embedAll(texts);
        List<EpisodeRow> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++)
            out.add(rows.get(i).withVectors(Rows.vector(vectors.get(i)), Rows.vector(vectors.get(at[i]))));
        return out;
    }

    /**
     * The earlier turns of each episode's conversation (same group, within {@link #CONTEXT_GAP} before it, oldest
     * first): from the same batch where it has them, else from the store (one query for the batch).
     */
    List<List<String>> context(List<EpisodeRow> rows) {
        ZonedDateTime now = Checks.now();
        List<List<String>> out = new ArrayList<>(rows.size());
        List<Map<String, Object>> probes = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            EpisodeRow r = rows.get(i);
            ZonedDateTime t = r.validAt() == null ? now : r.validAt();
            ZonedDateTime since = t.minus(CONTEXT_GAP);
            List<EpisodeRow> earlier = new ArrayList<>();
            boolean batchHasEarlier = false;
            for (EpisodeRow o : rows) {
                if (o == r || !o.group().equals(r.group())) continue;
                ZonedDateTime ot = o.validAt() == null ? now : o.validAt();
                if (!ot.isBefore(t)) continue;
                batchHasEarlier = true;
                if (!ot.isBefore(since)) earlier.add(o);
            }
            earlier.sort(java.util.Comparator.comparing(o -> o.validAt() == null ? now : o.validAt()));
            List<String> texts = new ArrayList<>();
            for (EpisodeRow o : earlier.subList(Math.max(0, earlier.size() - CONTEXT_TURNS), earlier.size())) texts.add(o.content());
            out.add(texts);
            if (!batchHasEarlier) probes.add(Map.of("i", i, "group", r.group(), "at", t, "since", since));
        }
        if (!probes.isEmpty()) {
            for (Record rec : bolt.read("""
                    UNWIND $probes AS p
                    CALL (p) {
                      MATCH (e:Episode) WHERE e.valid_at >= p.since AND e.valid_at < p.at AND e.group_id = p.group
                      RETURN e.content AS c ORDER BY e.valid_at DESC LIMIT $n
                    }
                    RETURN p.i AS i, collect(c) AS cs""", Map.of("probes", probes, "n", CONTEXT_TURNS))) {
                List<String> cs = new ArrayList<>(rec.get("cs").asList(org.neo4j.driver.Value::asString));
                java.util.Collections.reverse(cs);
                out.set(rec.get("i").asInt(), cs);
            }
        }
        return out;
    }

    private EpisodeRow row(NewEpisode ep) {
        if (ep == null) throw new MemoryInputException("episode", "is missing");
        String group = checks.group("groupId", ep.groupId());
        String content = MemoryInput.text("content", ep.content(), checks.settings().maxEpisodeChars());
        Episode.Source source = ep.source() == null ? Episode.Source.TEXT : ep.source();
        if (source == Episode.Source.JSON) {
            try {
                JSON.readTree(content);
            } catch (JsonProcessingException e) {
                throw new MemoryInputException("content", "source is json but the content is not valid JSON (line "
                        + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
            }
        }
        String name = ep.name() == null || ep.name().isBlank() ? NewEpisode.defaultName(content) : MemoryInput.text("name", ep.name(), Checks.MAX_NAME);
        String description = Checks.optionalText("sourceDescription", ep.sourceDescription(), Checks.MAX_NAME);
        return new EpisodeRow(Checks.uuidOrNew("uuid", ep.uuid()), group, name, content, source,
                description == null ? "" : description, ep.validAt() == null ? null : Rows.utc(ep.validAt()),
                Checks.recorded("createdAt", ep.createdAt()), null, null);
    }

    /** Stores checked episodes in one transaction; returns one episode per row, in order. */
    List<Episode> write(List<EpisodeRow> rows) {
        long t0 = System.nanoTime();
        ZonedDateTime now = Checks.now();
        try {
            List<Record> out = bolt.write("""
                    UNWIND $rows AS row
                    CREATE (e:Episode {uuid: row.uuid, group_id: row.group, name: row.name, content: row.content, source: row.source,
                                       source_description: row.description, valid_at: coalesce(row.validAt, $now), created_at: coalesce(row.createdAt, $now),
                                       extraction: 'PENDING'})
                    WITH e, row CALL db.create.setNodeVectorProperty(e, 'content_embedding', row.vector)
                    WITH e, row CALL db.create.setNodeVectorProperty(e, 'context_embedding', row.contextVector)
                    RETURN\s""" + Rows.EPISODE, Map.of("rows", rows.stream().map(EpisodeRow::params).toList(), "now", now));
            if (log.isDebugEnabled())
                log.debug("writeEpisodes({}): transaction {} ms", rows.size(), (System.nanoTime() - t0) / 1_000_000);
            Map<String, Episode> byUuid = new HashMap<>();
            for (Record r : out) {
                Episode e = Rows.episode(r.get("episode"));
                byUuid.put(e.uuid(), e);
            }
            return rows.stream().map(r -> byUuid.get(r.uuid())).toList();
        } catch (MemoryStoreException e) {
            if (rows.size() == 1 && Checks.isUniquenessViolation(e)) {
                Episode stored = sameEpisode(rows.get(0));
                if (stored != null) return List.of(stored);
            }
            throw Checks.uuidTaken(e, "uuid", rows.size() == 1 ? rows.get(0).uuid() : "given");
        }
    }

    /**
     * The stored episode under this row's uuid when it is the same episode (group, name, content and source): a retry
     * by a client that lost the first answer. Null for anything else, which is refused like any taken uuid.
     */
    private Episode sameEpisode(EpisodeRow row) {
        return bolt.read("MATCH (e:Episode {uuid: $uuid}) RETURN " + Rows.EPISODE, Map.of("uuid", row.uuid())).stream()
                .map(r -> Rows.episode(r.get("episode")))
                .filter(e -> e.groupId().equals(row.group()) && e.name().equals(row.name())
                        && e.content().equals(row.content()) && e.source() == row.source())
                .findFirst().orElse(null);
    }

    void markExtraction(String uuid, Episode.Extraction state) {
        MemoryInput.uuid("episodeUuid", uuid);
        if (state == null) throw new MemoryInputException("state", "is missing");
        List<Record> rows = bolt.write("MATCH (e:Episode {uuid: $uuid}) SET e.extraction = $state RETURN e.uuid",
                Map.of("uuid", uuid, "state", state.name()));
        if (rows.isEmpty()) throw new MemoryNotFoundException("episodeUuid", "episode", uuid);
    }
}
