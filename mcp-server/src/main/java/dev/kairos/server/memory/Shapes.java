package dev.kairos.server.memory;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.kairos.memory.Deletion;
import dev.kairos.memory.Entity;
import dev.kairos.memory.Episode;
import dev.kairos.memory.Fact;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Kairos's own JSON shapes of episodes, entities and facts (snake_case, ISO-8601 UTC times), as in
 * kairos-tools.json; the CLI's {@code --json} output and the export use the same shapes. Each is a record whose
 * component order is the field order on the wire.
 */
public final class Shapes {
    private Shapes() {
    }

    public record EpisodeShape(String uuid, @JsonProperty("group_id") String groupId, String name, String content,
                               String source, @JsonProperty("source_description") String sourceDescription,
                               @JsonProperty("valid_at") String validAt, @JsonProperty("created_at") String createdAt,
                               String extraction) {
    }

    public record EntityShape(String uuid, @JsonProperty("group_id") String groupId, String name, List<String> types,
                              String summary, List<String> observations, Map<String, String> attributes,
                              @JsonProperty("created_at") String createdAt) {
    }

    /** A fact end: the entity's uuid and name. */
    public record Endpoint(String uuid, String name) {
    }

    /** {@code current} (whether the fact is true now) is left out of the export, where it would go stale. */
    public record FactShape(String uuid, @JsonProperty("group_id") String groupId, String name, String fact,
                            Endpoint source, Endpoint target, @JsonProperty("valid_at") String validAt,
                            @JsonProperty("invalid_at") String invalidAt, @JsonProperty("created_at") String createdAt,
                            @JsonProperty("expired_at") String expiredAt, List<String> episodes,
                            @JsonInclude(JsonInclude.Include.NON_NULL) Boolean current) {
        FactShape withoutCurrent() {
            return new FactShape(uuid, groupId, name, fact, source, target, validAt, invalidAt, createdAt, expiredAt,
                    episodes, null);
        }
    }

    public record DeletionShape(long episodes, long entities, long facts) {
    }

    /** A search hit: the shape's fields, then its score. */
    public record Scored<T>(@JsonUnwrapped T value, double score) {
    }

    public static String time(Instant t) {
        return t == null ? null : t.toString();
    }

    public static EpisodeShape episode(Episode e) {
        return new EpisodeShape(e.uuid(), e.groupId(), e.name(), e.content(), e.source().name().toLowerCase(Locale.ROOT),
                e.sourceDescription(), time(e.validAt()), time(e.createdAt()),
                e.extraction().name().toLowerCase(Locale.ROOT));
    }

    public static EntityShape entity(Entity e) {
        return new EntityShape(e.uuid(), e.groupId(), e.name(), e.labels(), e.summary(), e.observations(), e.attributes(),
                time(e.createdAt()));
    }

    public static FactShape fact(Fact f, Instant now) {
        return new FactShape(f.uuid(), f.groupId(), f.name(), f.fact(), new Endpoint(f.sourceUuid(), f.sourceName()),
                new Endpoint(f.targetUuid(), f.targetName()), time(f.validAt()), time(f.invalidAt()), time(f.createdAt()),
                time(f.expiredAt()), f.episodes(), f.validAt(now));
    }

    public static DeletionShape deletion(Deletion d) {
        return new DeletionShape(d.episodes(), d.entities(), d.facts());
    }

    public static <T> Scored<T> scored(T shape, double score) {
        return new Scored<>(shape, score);
    }
}
