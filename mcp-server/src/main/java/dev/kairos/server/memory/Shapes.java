package dev.kairos.server.memory;

import dev.kairos.memory.Deletion;
import dev.kairos.memory.Entity;
import dev.kairos.memory.Episode;
import dev.kairos.memory.Fact;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Kairos's own JSON shapes of episodes, entities and facts (snake_case, ISO-8601 UTC times), as in
 * kairos-tools.json; the CLI's {@code --json} output uses the same shapes.
 */
public final class Shapes {
    private Shapes() {
    }

    public static String time(Instant t) {
        return t == null ? null : t.toString();
    }

    public static Map<String, Object> episode(Episode e) {
        var m = new LinkedHashMap<String, Object>();
        m.put("uuid", e.uuid());
        m.put("group_id", e.groupId());
        m.put("name", e.name());
        m.put("content", e.content());
        m.put("source", e.source().name().toLowerCase(Locale.ROOT));
        m.put("source_description", e.sourceDescription());
        m.put("valid_at", time(e.validAt()));
        m.put("created_at", time(e.createdAt()));
        m.put("extraction", e.extraction().name().toLowerCase(Locale.ROOT));
        return m;
    }

    public static Map<String, Object> entity(Entity e) {
        var m = new LinkedHashMap<String, Object>();
        m.put("uuid", e.uuid());
        m.put("group_id", e.groupId());
        m.put("name", e.name());
        m.put("types", e.labels());
        m.put("summary", e.summary());
        m.put("observations", e.observations());
        m.put("attributes", e.attributes());
        m.put("created_at", time(e.createdAt()));
        return m;
    }

    public static Map<String, Object> fact(Fact f, Instant now) {
        var m = new LinkedHashMap<String, Object>();
        m.put("uuid", f.uuid());
        m.put("group_id", f.groupId());
        m.put("name", f.name());
        m.put("fact", f.fact());
        m.put("source", ref(f.sourceUuid(), f.sourceName()));
        m.put("target", ref(f.targetUuid(), f.targetName()));
        m.put("valid_at", time(f.validAt()));
        m.put("invalid_at", time(f.invalidAt()));
        m.put("created_at", time(f.createdAt()));
        m.put("expired_at", time(f.expiredAt()));
        m.put("episodes", f.episodes());
        m.put("current", f.validAt(now));
        return m;
    }

    public static Map<String, Object> deletion(Deletion d) {
        var m = new LinkedHashMap<String, Object>();
        m.put("episodes", d.episodes());
        m.put("entities", d.entities());
        m.put("facts", d.facts());
        return m;
    }

    public static Map<String, Object> scored(Map<String, Object> shape, double score) {
        shape.put("score", score);
        return shape;
    }

    private static Map<String, Object> ref(String uuid, String name) {
        var m = new LinkedHashMap<String, Object>();
        m.put("uuid", uuid);
        m.put("name", name);
        return m;
    }
}
