package dev.kairos.memory;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An entity to create or update, matched by (group, name): labels and observations are added (no duplicates),
 * a non-null summary replaces the old one, attributes are merged, and each episode in {@code episodeUuids} gets a
 * MENTIONS edge to it. {@code createdAt} is null except when restoring an export (kept only when the entity is new).
 */
public record NewEntity(String groupId, String name, List<String> labels, String summary,
                        List<String> observations, Map<String, String> attributes, List<String> episodeUuids,
                        Instant createdAt) {

    public NewEntity(String groupId, String name, List<String> labels, String summary,
                     List<String> observations, Map<String, String> attributes, List<String> episodeUuids) {
        this(groupId, name, labels, summary, observations, attributes, episodeUuids, null);
    }

    public NewEntity {
        labels = labels == null ? List.of() : List.copyOf(labels);
        observations = observations == null ? List.of() : List.copyOf(observations);
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        episodeUuids = episodeUuids == null ? List.of() : List.copyOf(episodeUuids);
    }

    public static NewEntity named(String groupId, String name, String... labels) {
        return new NewEntity(groupId, name, List.of(labels), null, List.of(), Map.of(), List.of());
    }

    public NewEntity withObservations(List<String> obs) {
        return new NewEntity(groupId, name, labels, summary, obs, attributes, episodeUuids, createdAt);
    }

    public NewEntity withSummary(String s) {
        return new NewEntity(groupId, name, labels, s, observations, attributes, episodeUuids, createdAt);
    }

    public NewEntity withAttributes(Map<String, String> a) {
        return new NewEntity(groupId, name, labels, summary, observations, a, episodeUuids, createdAt);
    }

    public NewEntity mentionedIn(List<String> episodes) {
        return new NewEntity(groupId, name, labels, summary, observations, attributes, episodes, createdAt);
    }

    /** Keeps the belief time an export recorded. */
    public NewEntity recordedAt(Instant at) {
        return new NewEntity(groupId, name, labels, summary, observations, attributes, episodeUuids, at);
    }
}
