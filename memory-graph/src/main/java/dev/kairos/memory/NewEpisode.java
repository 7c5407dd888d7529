package dev.kairos.memory;

import java.time.Instant;

/**
 * An episode to store; {@code groupId}, {@code validAt} and {@code uuid} may be null (default group, now, generated).
 * {@code createdAt} is null except when restoring an export (when it was first recorded; not in the future).
 */
public record NewEpisode(String groupId, String name, String content, Episode.Source source,
                         String sourceDescription, Instant validAt, String uuid, Instant createdAt) {

    public NewEpisode(String groupId, String name, String content, Episode.Source source,
                      String sourceDescription, Instant validAt, String uuid) {
        this(groupId, name, content, source, sourceDescription, validAt, uuid, null);
    }

    /** A text episode in the given group (null for the default group), happening now. */
    public static NewEpisode text(String groupId, String name, String content) {
        return new NewEpisode(groupId, name, content, Episode.Source.TEXT, null, null, null);
    }

    public NewEpisode withValidAt(Instant at) {
        return new NewEpisode(groupId, name, content, source, sourceDescription, at, uuid, createdAt);
    }

    public NewEpisode withSource(Episode.Source src, String description) {
        return new NewEpisode(groupId, name, content, src, description, validAt, uuid, createdAt);
    }

    public NewEpisode withUuid(String id) {
        return new NewEpisode(groupId, name, content, source, sourceDescription, validAt, id, createdAt);
    }

    /** Keeps the belief time an export recorded. */
    public NewEpisode recordedAt(Instant at) {
        return new NewEpisode(groupId, name, content, source, sourceDescription, validAt, uuid, at);
    }
}
