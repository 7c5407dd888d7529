package dev.kairos.memory.internal;

import dev.kairos.memory.Episode;
import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemoryNotFoundException;
import dev.kairos.memory.ingest.IngestQueue;
import org.neo4j.driver.Record;
import org.neo4j.driver.Value;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The ingest queue's Cypher: state lives on the Episode node, so a committed episode is queued by being stored. */
final class QueueStore implements IngestQueue {
    private static final int MAX_TEXT = 20_000;
    private final Bolt bolt;

    QueueStore(Bolt bolt) {
        this.bolt = bolt;
        // The worker looks for pending episodes every poll: an index keeps that off a scan of every episode.
        bolt.autoCommit("CREATE INDEX episode_extraction IF NOT EXISTS FOR (e:Episode) ON (e.extraction)", Map.of());
    }

    @Override
    public int resumeInterrupted() {
        return bolt.write("MATCH (e:Episode) WHERE e.extraction = 'PROCESSING' SET e.extraction = 'PENDING' RETURN count(e) AS n",
                Map.of()).get(0).get("n").asInt();
    }

    @Override
    public boolean holdLease(String worker, Duration ttl) {
        if (worker == null || worker.isBlank()) throw new MemoryInputException("worker", "is required");
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        // A holder on this machine whose process is gone (killed, crashed) frees the lease at once.
        List<String> takeable = new ArrayList<>();
        for (Record r : bolt.read("MATCH (l:IngestLease {id: 'queue'}) RETURN l.holder AS h, l.expires_at AS until", Map.of())) {
            String holder = r.get("h").isNull() ? null : r.get("h").asString();
            if (holder == null || holder.equals(worker)) continue;
            if (Workers.gone(holder)) {
                takeable.add(holder);
            } else if (!r.get("until").isNull() && r.get("until").asZonedDateTime().isAfter(now)) {
                return false; // held by a live worker: no write needed to know
            }
        }
        return bolt.write("""
                MERGE (l:IngestLease {id: 'queue'})
                WITH l, (l.holder IS NULL OR l.holder = $me OR l.expires_at < $now OR l.holder IN $takeable) AS free
                SET l.holder = CASE WHEN free THEN $me ELSE l.holder END,
                    l.expires_at = CASE WHEN free THEN $until ELSE l.expires_at END
                RETURN l.holder = $me AS mine""",
                Map.of("me", worker, "now", now, "until", now.plus(ttl), "takeable", takeable)).get(0).get("mine").asBoolean();
    }

    @Override
    public void releaseLease(String worker) {
        bolt.write("MATCH (l:IngestLease {id: 'queue'}) WHERE l.holder = $me REMOVE l.holder, l.expires_at RETURN l.id",
                Map.of("me", worker));
    }

    @Override
    public List<String> pendingGroups(int limit) {
        return bolt.read("MATCH (e:Episode) WHERE e.extraction = 'PENDING' RETURN DISTINCT e.group_id AS g LIMIT $limit",
                Map.of("limit", limit)).stream().map(r -> r.get("g").asString()).toList();
    }

    @Override
    public Optional<Episode> claimNext(String groupId) {
        MemoryInput.groupId("groupId", groupId);
        return bolt.write("""
                MATCH (e:Episode) WHERE e.group_id = $group AND e.extraction = 'PENDING'
                WITH e ORDER BY e.valid_at ASC, e.created_at ASC LIMIT 1
                SET e.extraction = 'PROCESSING', e.attempts = coalesce(e.attempts, 0) + 1, e.started_at = $now
                RETURN\s""" + Rows.EPISODE, Map.of("group", groupId, "now", ZonedDateTime.now(ZoneOffset.UTC)))
                .stream().findFirst().map(r -> Rows.episode(r.get("episode")));
    }

    @Override
    public void finish(String episodeUuid, Episode.Extraction state, String error, String rawAnswer) {
        MemoryInput.uuid("episodeUuid", episodeUuid);
        if (state == null || state == Episode.Extraction.PROCESSING) throw new MemoryInputException("state", "must be pending, done or failed");
        Map<String, Object> p = new HashMap<>();
        p.put("uuid", episodeUuid);
        p.put("state", state.name());
        p.put("error", clip(error));
        p.put("raw", clip(rawAnswer));
        p.put("now", ZonedDateTime.now(ZoneOffset.UTC));
        if (bolt.write("""
                MATCH (e:Episode {uuid: $uuid})
                SET e.extraction = $state, e.last_error = $error, e.raw_answer = $raw, e.finished_at = $now
                RETURN e.uuid""", p).isEmpty()) throw new MemoryNotFoundException("episodeUuid", "episode", episodeUuid);
    }

    @Override
    public int requeueFailed(List<String> groupIds) {
        return bolt.write("""
                MATCH (e:Episode) WHERE e.extraction = 'FAILED' AND (size($groups) = 0 OR e.group_id IN $groups)
                SET e.extraction = 'PENDING', e.attempts = 0 RETURN count(e) AS n""",
                Map.of("groups", groupIds == null ? List.of() : groupIds)).get(0).get("n").asInt();
    }

    @Override
    public Counts counts(List<String> groupIds) {
        Map<String, Long> n = new HashMap<>();
        for (Record r : bolt.read("""
                UNWIND ['PENDING', 'PROCESSING', 'DONE', 'FAILED'] AS state
                CALL (state) {
                  MATCH (e:Episode) WHERE e.extraction = state AND (size($groups) = 0 OR e.group_id IN $groups)
                  RETURN count(e) AS n
                }
                RETURN state, n""", Map.of("groups", groupIds == null ? List.of() : groupIds))) {
            n.put(r.get("state").asString(), r.get("n").asLong());
        }
        return new Counts(n.getOrDefault("PENDING", 0L), n.getOrDefault("PROCESSING", 0L), n.getOrDefault("DONE", 0L),
                n.getOrDefault("FAILED", 0L));
    }

    @Override
    public Optional<Entry> entry(String episodeUuid) {
        MemoryInput.uuid("episodeUuid", episodeUuid);
        return bolt.read("MATCH (e:Episode {uuid: $uuid}) RETURN " + ENTRY, Map.of("uuid", episodeUuid))
                .stream().findFirst().map(r -> entry(r.get("q")));
    }

    @Override
    public List<Entry> failed(List<String> groupIds, int limit) {
        return bolt.read("MATCH (e:Episode) WHERE e.extraction = 'FAILED' AND (size($groups) = 0 OR e.group_id IN $groups) RETURN "
                + ENTRY + " ORDER BY e.finished_at DESC LIMIT $limit",
                Map.of("groups", groupIds == null ? List.of() : groupIds, "limit", limit)).stream().map(r -> entry(r.get("q"))).toList();
    }

    private static final String ENTRY = "e {.uuid, .group_id, .extraction, .attempts, .last_error, .raw_answer} AS q";

    private static Entry entry(Value v) {
        return new Entry(v.get("uuid").asString(), v.get("group_id").asString(), Episode.Extraction.valueOf(v.get("extraction").asString()),
                v.get("attempts").isNull() ? 0 : v.get("attempts").asInt(),
                v.get("last_error").isNull() ? null : v.get("last_error").asString(),
                v.get("raw_answer").isNull() ? null : v.get("raw_answer").asString());
    }

    private static String clip(String s) {
        return s == null || s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT);
    }
}
