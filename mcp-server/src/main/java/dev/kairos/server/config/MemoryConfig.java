package dev.kairos.server.config;

import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemorySettings;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The {@code memory:} section: where the knowledge graph lives and which MCP tool set it offers.
 *
 * @param mode       {@code embedded} (default: Neo4j inside Kairos), {@code external}, or {@code off} (no memory tools)
 * @param dataDir    embedded data directory (default {@code ~/.kairos/data}; env {@code KAIROS_DATA_DIR})
 * @param uri        external: {@code bolt://}, {@code neo4j://} or {@code neo4j+s://} address
 * @param passwordEnv external: name of the environment variable holding the password
 * @param toolset    {@code kairos} (default), {@code server-memory} or {@code graphiti}
 */
// The extraction and embeddings subsections are bound on their own (ExtractionConfig, EmbeddingsConfig).
@com.fasterxml.jackson.annotation.JsonIgnoreProperties({"extraction", "embeddings"})
public record MemoryConfig(String mode, String dataDir, String uri, String user, String password, String passwordEnv,
                           String database, String defaultGroup, Integer maxEpisodeChars, String embedder,
                           String readyTimeout, String pageCache, String toolset) {

    /** Binds and validates the section; errors name {@code memory.<key>} and the file. */
    public static MemorySettings settings(KairosConfig config) {
        MemoryConfig c = ConfigLoader.bind(config.source(), "memory", config.memory(), MemoryConfig.class);
        return c.toSettings(config.source(), config.env());
    }

    /** The tool set named in the section, or null for the default. */
    public static String toolset(KairosConfig config) {
        return ConfigLoader.bind(config.source(), "memory", config.memory(), MemoryConfig.class).toolset();
    }

    /**
     * Whether the memory subsystem runs at all ({@code mode: off} switches it off). YAML 1.1 reads a bare
     * {@code off} as the boolean false, which reaches us as "false": both mean off.
     */
    public static boolean enabled(KairosConfig config) {
        String mode = ConfigLoader.bind(config.source(), "memory", config.memory(), MemoryConfig.class).mode();
        return mode == null || !(mode.trim().equalsIgnoreCase("off") || mode.trim().equalsIgnoreCase("false"));
    }

    MemorySettings toSettings(String source, Map<String, String> env) {
        try {
            String secret = password;
            if (passwordEnv != null) {
                secret = env.get(passwordEnv);
                if (secret == null) {
                    throw new ConfigException(source + ": memory.password_env: environment variable " + passwordEnv + " is not set");
                }
            }
            return new MemorySettings(
                    mode == null ? null : MemorySettings.Mode.parse(mode),
                    dataDir == null ? KairosConfig.home(env).resolve("data") : Path.of(expandHome(dataDir, env)),
                    uri == null ? null : parseUri(source, uri),
                    user, secret, database, defaultGroup,
                    maxEpisodeChars == null ? 0 : maxEpisodeChars,
                    embedder,
                    readyTimeout == null ? null : Durations.parse(readyTimeout),
                    pageCache);
        } catch (MemoryInputException e) {
            throw new ConfigException(source + ": " + snake(e.getMessage()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source + ": memory: " + e.getMessage());
        }
    }

    private static URI parseUri(String source, String text) {
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            throw new ConfigException(source + ": memory.uri: not a URI: '" + text + "'");
        }
    }

    private static String expandHome(String path, Map<String, String> env) {
        return path.startsWith("~/") ? KairosConfig.userHome(env) + path.substring(1) : path;
    }

    /** The memory module names keys in camelCase; the config file spells them in snake_case. */
    private static String snake(String message) {
        var m = java.util.regex.Pattern.compile("memory\\.([A-Za-z]+)").matcher(message);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, "memory." + m.group(1).replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT));
        }
        m.appendTail(out);
        return out.toString();
    }
}
