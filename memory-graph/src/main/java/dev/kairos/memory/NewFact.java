package dev.kairos.memory;

import java.time.Instant;
import java.util.List;

/**
 * A fact to add between two entities.
 *
 * @param validAt      when it became true (null: unknown)
 * @param invalidAt    when it stopped being true, if already known
 * @param supersede    if true, the current facts with the same source and relation name are invalidated at this
 *                     fact's {@code validAt} (or now): "Alice WORKS_AT Beta" ends "Alice WORKS_AT Acme"
 * @param episodeUuids episodes it came from (provenance: MENTIONS edges to both endpoints)
 * @param embedding    a precomputed fact embedding of the embedder's dimension, or null to embed {@code fact}
 * @param uuid         caller-chosen uuid or null
 * @param createdAt    null, except when restoring an export: when it was learned (not in the future)
 * @param expiredAt    null, except when restoring an export: when it was retracted (not before createdAt)
 */
public record NewFact(String groupId, EntityRef source, String name, String fact, EntityRef target,
                      Instant validAt, Instant invalidAt, boolean supersede, List<String> episodeUuids,
                      float[] embedding, String uuid, Instant createdAt, Instant expiredAt) {

    public NewFact(String groupId, EntityRef source, String name, String fact, EntityRef target,
                   Instant validAt, Instant invalidAt, boolean supersede, List<String> episodeUuids,
                   float[] embedding, String uuid) {
        this(groupId, source, name, fact, target, validAt, invalidAt, supersede, episodeUuids, embedding, uuid, null, null);
    }

    public NewFact {
        episodeUuids = episodeUuids == null ? List.of() : List.copyOf(episodeUuids);
    }

    /** A triplet by entity names (created when missing), valid from an unknown time, adding to what is known. */
    public static NewFact triplet(String groupId, String sourceName, String name, String fact, String targetName) {
        return new NewFact(groupId, EntityRef.name(sourceName), name, fact, EntityRef.name(targetName),
                null, null, false, List.of(), null, null);
    }

    public NewFact withValidAt(Instant at) {
        return new NewFact(groupId, source, name, fact, target, at, invalidAt, supersede, episodeUuids, embedding, uuid, createdAt, expiredAt);
    }

    public NewFact withInvalidAt(Instant at) {
        return new NewFact(groupId, source, name, fact, target, validAt, at, supersede, episodeUuids, embedding, uuid, createdAt, expiredAt);
    }

    /** Invalidates the current facts of the same (source, name) at this fact's valid time. */
    public NewFact superseding() {
        return new NewFact(groupId, source, name, fact, target, validAt, invalidAt, true, episodeUuids, embedding, uuid, createdAt, expiredAt);
    }

    public NewFact fromEpisodes(List<String> episodes) {
        return new NewFact(groupId, source, name, fact, target, validAt, invalidAt, supersede, episodes, embedding, uuid, createdAt, expiredAt);
    }

    public NewFact withEmbedding(float[] vector) {
        return new NewFact(groupId, source, name, fact, target, validAt, invalidAt, supersede, episodeUuids, vector, uuid, createdAt, expiredAt);
    }

    public NewFact withUuid(String id) {
        return new NewFact(groupId, source, name, fact, target, validAt, invalidAt, supersede, episodeUuids, embedding, id, createdAt, expiredAt);
    }

    /** Keeps the belief times an export recorded. */
    public NewFact recordedAt(Instant created, Instant expired) {
        return new NewFact(groupId, source, name, fact, target, validAt, invalidAt, supersede, episodeUuids, embedding, uuid, created, expired);
    }
}
