package dev.kairos.memory;

import java.time.Instant;

/**
 * A raw input as it was received: a message, a text or a JSON document.
 *
 * @param validAt    when it happened in the world (the reference time)
 * @param createdAt  when we stored it
 * @param extraction whether the model-driven extraction has processed it
 */
public record Episode(String uuid, String groupId, String name, String content, Source source,
                      String sourceDescription, Instant validAt, Instant createdAt, Extraction extraction) {

    /** The kind of content, as Graphiti's EpisodeType. */
    public enum Source { TEXT, JSON, MESSAGE;
        public static Source parse(String field, String text) {
            if (text == null || text.isBlank()) return TEXT;
            return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "text" -> TEXT;
                case "json" -> JSON;
                case "message" -> MESSAGE;
                default -> throw new MemoryInputException(field, "must be text, json or message, was '" + text + "'");
            };
        }
    }

    /** Extraction state: stored episodes wait as PENDING; the ingest queue marks them PROCESSING, then DONE or FAILED. */
    public enum Extraction { PENDING, PROCESSING, DONE, FAILED }
}
