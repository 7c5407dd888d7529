package dev.kairos.memory;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A thing the memory knows about: a person, a place, a project; unique by name within its group.
 *
 * @param labels       its type labels (e.g. Person), without the model's own {@code Entity} label
 * @param observations free-text statements about it, in the order they were added (server-memory's model)
 * @param attributes   typed attributes as strings
 */
public record Entity(String uuid, String groupId, String name, List<String> labels, String summary,
                     List<String> observations, Map<String, String> attributes, Instant createdAt) {
}
