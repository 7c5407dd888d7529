package dev.kairos.memory.internal;

import dev.kairos.memory.Entity;
import dev.kairos.memory.Episode;
import dev.kairos.memory.Fact;
import org.neo4j.driver.Value;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Cypher projections of the three record types and their mapping back to the API records (embeddings stay behind). */
final class Rows {
    static final String ATTR_PREFIX = "attr_";

    /** Projection of relationship {@code r} as {@code fact}. */
    static final String FACT = """
            r {.uuid, .group_id, .name, .fact, .valid_at, .invalid_at, .created_at, .expired_at, .episodes,
               source_uuid: startNode(r).uuid, source_name: startNode(r).name,
               target_uuid: endNode(r).uuid, target_name: endNode(r).name} AS fact""";

    /** Projection of node {@code n} as {@code entity}. */
    static final String ENTITY = """
            n {.uuid, .group_id, .name, .summary, .observations, .created_at,
               labels: [l IN labels(n) WHERE l <> 'Entity'],
               attributes: [k IN keys(n) WHERE k STARTS WITH 'attr_' | [substring(k, 5), toString(n[k])]]} AS entity""";

    /** Projection of node {@code e} as {@code episode}. */
    static final String EPISODE = """
            e {.uuid, .group_id, .name, .content, .source, .source_description, .valid_at, .created_at, .extraction} AS episode""";

    private Rows() {}

    static Fact fact(Value v) {
        return new Fact(str(v, "uuid"), str(v, "group_id"), str(v, "name"), str(v, "fact"),
                str(v, "source_uuid"), str(v, "source_name"), str(v, "target_uuid"), str(v, "target_name"),
                time(v, "valid_at"), time(v, "invalid_at"), time(v, "created_at"), time(v, "expired_at"),
                v.get("episodes").isNull() ? List.of() : v.get("episodes").asList(Value::asString));
    }

    static Entity entity(Value v) {
        Map<String, String> attrs = new LinkedHashMap<>();
        for (Value pair : v.get("attributes").values()) attrs.put(pair.get(0).asString(), pair.get(1).asString());
        return new Entity(str(v, "uuid"), str(v, "group_id"), str(v, "name"),
                v.get("labels").asList(Value::asString), str(v, "summary"),
                v.get("observations").isNull() ? List.of() : v.get("observations").asList(Value::asString),
                Map.copyOf(attrs), time(v, "created_at"));
    }

    static Episode episode(Value v) {
        return new Episode(str(v, "uuid"), str(v, "group_id"), str(v, "name"), str(v, "content"),
                Episode.Source.valueOf(str(v, "source")), str(v, "source_description"),
                time(v, "valid_at"), time(v, "created_at"), Episode.Extraction.valueOf(str(v, "extraction")));
    }

    static ZonedDateTime utc(Instant t) {
        return t == null ? null : t.atZone(ZoneOffset.UTC);
    }

    /** The driver sends float[] as a list of doubles; Neo4j's vector procedures take that. */
    static List<Double> vector(float[] v) {
        List<Double> out = new ArrayList<>(v.length);
        for (float f : v) out.add((double) f);
        return out;
    }

    static float[] floats(Value v) {
        if (v == null || v.isNull()) return null;
        List<Object> l = v.asList();
        float[] out = new float[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) l.get(i)).floatValue();
        return out;
    }

    private static String str(Value v, String key) {
        Value x = v.get(key);
        return x.isNull() ? null : x.asString();
    }

    private static Instant time(Value v, String key) {
        Value x = v.get(key);
        return x.isNull() ? null : x.asZonedDateTime().toInstant();
    }
}
