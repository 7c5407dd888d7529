package dev.kairos.memory;

/** The outcome of an entity upsert: the entity as stored and whether it was new. */
public record EntityWrite(Entity entity, boolean created) {
}
