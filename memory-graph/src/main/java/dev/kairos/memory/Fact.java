package dev.kairos.memory;

import java.time.Instant;
import java.util.List;

/**
 * A relation between two entities with its statement and four times (bi-temporal).
 *
 * @param name      relation name, e.g. WORKS_AT
 * @param fact      the statement in words, e.g. "Alice works at Acme"
 * @param validAt   when it became true in the world (null: unknown / always)
 * @param invalidAt when it stopped being true in the world (null: still true)
 * @param createdAt when we learned it
 * @param expiredAt when we learned it had stopped being true (set by invalidation; null otherwise)
 * @param episodes  uuids of the episodes it came from, first one first
 */
public record Fact(String uuid, String groupId, String name, String fact,
                   String sourceUuid, String sourceName, String targetUuid, String targetName,
                   Instant validAt, Instant invalidAt, Instant createdAt, Instant expiredAt,
                   List<String> episodes) {

    /** True in the world at {@code t} as we believe now. */
    public boolean validAt(Instant t) {
        return (validAt == null || !validAt.isAfter(t)) && (invalidAt == null || invalidAt.isAfter(t));
    }
}
