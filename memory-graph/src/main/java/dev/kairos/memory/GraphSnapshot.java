package dev.kairos.memory;

import java.util.List;

/** The entities and facts of some groups (server-memory's read_graph, export). */
public record GraphSnapshot(List<Entity> entities, List<Fact> facts) {
}
