package dev.kairos.memory;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Configuration of the memory graph: where Neo4j runs, which database and group to use, limits and the embedder.
 *
 * <p>Every component is validated when the record is built; an error names the configuration key
 * ({@code memory.<key>}). Use {@link #defaults()} and the {@code with…} methods rather than the long constructor.
 *
 * @param mode           {@code embedded} (Neo4j in this JVM, Bolt on loopback) or {@code external} (a server at {@code uri})
 * @param dataDir        where embedded Neo4j keeps its files and the embedder its cache; default {@code ~/.kairos/data}
 * @param uri            external mode only: {@code bolt://}, {@code bolt+s://}, {@code neo4j://}, {@code neo4j+s://} …
 * @param user           external mode: user name (null for no auth)
 * @param password       external mode: password
 * @param database       the database every query uses; embedded mode creates it as the default database on first start
 * @param defaultGroup   group id used when a caller gives none
 * @param maxEpisodeChars largest accepted episode content, in characters
 * @param embedder       embedder choice, one of {@link #KNOWN_EMBEDDERS} (in-process, 384 dimensions); a store made with
 *                       another one needs {@code kairos memory reembed}
 * @param readyTimeout   how long a call waits for the background start before it fails with "memory is still starting"
 * @param pageCache      embedded Neo4j page cache size, e.g. {@code 64m}
 */
public record MemorySettings(
        Mode mode,
        Path dataDir,
        URI uri,
        String user,
        String password,
        String database,
        String defaultGroup,
        int maxEpisodeChars,
        String embedder,
        Duration readyTimeout,
        String pageCache) {

    /** Where Neo4j runs. */
    public enum Mode { EMBEDDED, EXTERNAL;
        /** Parses {@code embedded}/{@code external} (any case), naming the key on error. */
        public static Mode parse(String text) {
            if (text == null) throw new MemoryInputException("memory.mode", "is missing (embedded or external)");
            return switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "embedded" -> EMBEDDED;
                case "external" -> EXTERNAL;
                default -> throw new MemoryInputException("memory.mode", "must be 'embedded' or 'external', was '" + text + "'");
            };
        }
    }

    public static final String DEFAULT_EMBEDDER = "all-minilm-l6-v2-q";
    /** The in-process embedders (all 384 dimensions); see docs/benchmarks.md, "Memory recall", for how they compare. */
    public static final Set<String> KNOWN_EMBEDDERS = java.util.Collections.unmodifiableSortedSet(
            new java.util.TreeSet<>(Set.of(DEFAULT_EMBEDDER, "all-minilm-l6-v2", "bge-small-en-v1.5-q", "e5-small-v2-q")));
    public static final int DEFAULT_MAX_EPISODE_CHARS = 100_000;
    public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Set<String> URI_SCHEMES = Set.of("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc");

    public MemorySettings {
        if (mode == null) mode = Mode.EMBEDDED;
        if (dataDir == null) dataDir = Path.of(userHome(), ".kairos", "data");
        if (database == null || database.isBlank()) database = "neo4j";
        if (defaultGroup == null || defaultGroup.isBlank()) defaultGroup = "default";
        if (maxEpisodeChars == 0) maxEpisodeChars = DEFAULT_MAX_EPISODE_CHARS;
        if (embedder == null || embedder.isBlank()) embedder = DEFAULT_EMBEDDER;
        if (readyTimeout == null) readyTimeout = DEFAULT_READY_TIMEOUT;
        if (pageCache == null || pageCache.isBlank()) pageCache = "64m";

        // Neo4j database names: letters, digits, dots and dashes, starting with a letter, 3–63 chars.
        if (!database.matches("[A-Za-z][A-Za-z0-9.\\-]{2,62}"))
            throw new MemoryInputException("memory.database",
                    "must be 3-63 characters of letters, digits, '.' or '-', starting with a letter, was '" + database + "'");
        MemoryInput.groupId("memory.defaultGroup", defaultGroup);
        if (maxEpisodeChars < 1 || maxEpisodeChars > 10_000_000)
            throw new MemoryInputException("memory.maxEpisodeChars", "must be between 1 and 10000000, was " + maxEpisodeChars);
        if (!KNOWN_EMBEDDERS.contains(embedder))
            throw new MemoryInputException("memory.embedder", "unknown embedder '" + embedder + "', known: " + KNOWN_EMBEDDERS);
        if (readyTimeout.isNegative() || readyTimeout.isZero() || readyTimeout.compareTo(Duration.ofMinutes(30)) > 0)
            throw new MemoryInputException("memory.readyTimeout", "must be between 1 ms and 30 minutes, was " + readyTimeout);
        if (!pageCache.matches("[0-9]{1,6}[kmgKMG]?"))
            throw new MemoryInputException("memory.pageCache", "must be a size like 64m or 1g, was '" + pageCache + "'");
        if (mode == Mode.EXTERNAL) {
            if (uri == null) throw new MemoryInputException("memory.uri", "is required in external mode (e.g. bolt://localhost:7687)");
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!URI_SCHEMES.contains(scheme))
                throw new MemoryInputException("memory.uri", "must use one of " + URI_SCHEMES + ", was '" + uri + "'");
            if (uri.getHost() == null)
                throw new MemoryInputException("memory.uri", "has no host: '" + uri + "'");
            if ((user == null) != (password == null))
                throw new MemoryInputException(user == null ? "memory.user" : "memory.password",
                        "user and password must be given together");
        }
    }

    /** {@code $HOME} when set (as shells and scripts expect), else Java's {@code user.home}. */
    private static String userHome() {
        String home = System.getenv("HOME");
        return home != null && !home.isBlank() ? home : System.getProperty("user.home");
    }

    /** Embedded Neo4j under {@code ~/.kairos/data}, database {@code neo4j}, group {@code default}. */
    public static MemorySettings defaults() {
        return new MemorySettings(null, null, null, null, null, null, null, 0, null, null, null);
    }

    /** External Neo4j at {@code uri}; user and password may both be null for a server without auth. */
    public static MemorySettings external(URI uri, String user, String password, String database) {
        return defaults().withExternal(uri, user, password, database);
    }

    public MemorySettings withDataDir(Path dir) {
        return new MemorySettings(mode, dir, uri, user, password, database, defaultGroup, maxEpisodeChars, embedder, readyTimeout, pageCache);
    }

    public MemorySettings withExternal(URI uri, String user, String password, String database) {
        return new MemorySettings(Mode.EXTERNAL, dataDir, uri, user, password, database, defaultGroup, maxEpisodeChars, embedder, readyTimeout, pageCache);
    }

    public MemorySettings withDatabase(String database) {
        return new MemorySettings(mode, dataDir, uri, user, password, database, defaultGroup, maxEpisodeChars, embedder, readyTimeout, pageCache);
    }

    public MemorySettings withDefaultGroup(String group) {
        return new MemorySettings(mode, dataDir, uri, user, password, database, group, maxEpisodeChars, embedder, readyTimeout, pageCache);
    }

    public MemorySettings withMaxEpisodeChars(int max) {
        return new MemorySettings(mode, dataDir, uri, user, password, database, defaultGroup, max, embedder, readyTimeout, pageCache);
    }

    public MemorySettings withEmbedder(String name) {
        return new MemorySettings(mode, dataDir, uri, user, password, database, defaultGroup, maxEpisodeChars, name, readyTimeout, pageCache);
    }

    public MemorySettings withReadyTimeout(Duration timeout) {
        return new MemorySettings(mode, dataDir, uri, user, password, database, defaultGroup, maxEpisodeChars, embedder, timeout, pageCache);
    }

    public MemorySettings withPageCache(String size) {
        return new MemorySettings(mode, dataDir, uri, user, password, database, defaultGroup, maxEpisodeChars, embedder, readyTimeout, size);
    }

    /** Password hidden, so settings can be logged. */
    @Override
    public String toString() {
        return "MemorySettings[mode=" + mode + ", dataDir=" + dataDir + ", uri=" + uri + ", user=" + user
                + ", password=" + (password == null ? "null" : "***") + ", database=" + database
                + ", defaultGroup=" + defaultGroup + ", maxEpisodeChars=" + maxEpisodeChars + ", embedder=" + embedder
                + ", readyTimeout=" + readyTimeout + ", pageCache=" + pageCache + "]";
    }
}
