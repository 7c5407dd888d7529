package dev.kairos.memory;

import java.time.Instant;

/** Where the memory graph stands: starting in the background, ready, or failed with the reason. */
public sealed interface MemoryStatus {

    /** Still starting; {@code phase} says what it is doing (e.g. "starting embedded Neo4j", "loading embedder"). */
    record Starting(String phase, Instant since) implements MemoryStatus {}

    /**
     * Ready to serve.
     *
     * @param mode      embedded or external
     * @param boltUri   the Bolt address queries go to (for embedded: the loopback ephemeral port)
     * @param database  the database every query uses
     * @param embedder  embedder name recorded in the schema
     * @param dimension embedding dimension recorded in the schema
     * @param schemaVersion the schema version recorded in the database
     */
    record Ready(MemorySettings.Mode mode, String boltUri, String database, String embedder, int dimension,
                 int schemaVersion) implements MemoryStatus {}

    /** Start failed; {@code reason} is a sentence a user can act on. */
    record Failed(String reason, Instant at) implements MemoryStatus {}

    /** Closed by its owner. */
    record Closed() implements MemoryStatus {}

    default boolean isReady() {
        return this instanceof Ready;
    }

    /** One line for status tools and {@code /health}: without the Bolt address, which not every caller may see. */
    default String describe() {
        return describe(false);
    }

    /**
     * One line for logs and status tools.
     *
     * @param withAddress whether to name the Bolt address (for the local user, or callers allowed every group)
     */
    default String describe(boolean withAddress) {
        return switch (this) {
            case Starting s -> "starting (" + s.phase() + ", since " + s.since() + ")";
            case Ready r -> "ready (" + r.mode().name().toLowerCase() + (withAddress ? ", " + r.boltUri() : "") + ", database " + r.database()
                    + ", embedder " + r.embedder() + "/" + r.dimension() + ", schema v" + r.schemaVersion() + ")";
            case Failed f -> "failed: " + f.reason();
            case Closed c -> "closed";
        };
    }
}
