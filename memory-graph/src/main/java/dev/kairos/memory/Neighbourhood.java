package dev.kairos.memory;

import java.util.List;

/** An entity's surroundings to N hops: the entities reached (with their distance) and the facts on the way. */
public record Neighbourhood(Entity centre, List<Reached> entities, List<Fact> facts) {

    /** An entity and its distance in hops from the centre. */
    public record Reached(Entity entity, int hops) {}
}
