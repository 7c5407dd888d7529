package dev.kairos.memory;

import java.time.Instant;

/**
 * An episode to store; {@code groupId}, {@code validAt} and {@code uuid} may be null (default group, now, generated),
 * and so may {@code name} (then {@link #defaultName(String)} names it).
 * {@code createdAt} is null except when restoring an export (when it was first recorded; not in the future).
 */
public record NewEpisode(String groupId, String name, String content, Episode.Source source,
                         String sourceDescription, Instant validAt, String uuid, Instant createdAt) {

    public NewEpisode(String groupId, String name, String content, Episode.Source source,
                      String sourceDescription, Instant validAt, String uuid) {
        this(groupId, name, content, source, sourceDescription, validAt, uuid, null);
    }

    /** How long a default name may be, the ellipsis included. */
    public static final int DEFAULT_NAME_LENGTH = 60;

    /**
     * The name of an episode stored without one, like a subject line: its first line, white space folded,
     * cut to {@value #DEFAULT_NAME_LENGTH} characters with "..." at the end.
     */
    public static String defaultName(String content) {
        String line = content == null ? "" : content.strip().lines().findFirst().orElse("").replaceAll("\\s+", " ");
        if (line.isEmpty()) {
            return "episode";
        }
        return line.length() <= DEFAULT_NAME_LENGTH ? line : line.substring(0, DEFAULT_NAME_LENGTH - 3) + "...";
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
