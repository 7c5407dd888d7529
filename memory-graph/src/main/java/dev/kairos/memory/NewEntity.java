package dev.kairos.memory;

import java.util.List;
import java.util.Map;

/**
 * An entity to create or update, matched by (group, name): labels and observations are added (no duplicates),
 * a non-null summary replaces the old one, attributes are merged, and each episode in {@code episodeUuids} gets a
 * MENTIONS edge to it.
 */
public record NewEntity(String groupId, String name, List<String> labels, String summary,
                        List<String> observations, Map<String, String> attributes, List<String> episodeUuids) {

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
        return new NewEntity(groupId, name, labels, summary, obs, attributes, episodeUuids);
    }

    public NewEntity withSummary(String s) {
        return new NewEntity(groupId, name, labels, s, observations, attributes, episodeUuids);
    }

    public NewEntity withAttributes(Map<String, String> a) {
        return new NewEntity(groupId, name, labels, summary, observations, a, episodeUuids);
    }

    public NewEntity mentionedIn(List<String> episodes) {
        return new NewEntity(groupId, name, labels, summary, observations, attributes, episodes);
    }
}
