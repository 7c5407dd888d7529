package dev.kairos.server.memory;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Which memory tools the server offers: Kairos's own, or a drop-in copy of one of the two anchors. */
public enum Toolset {
    /** Kairos's own tools: episodes, facts, entities, time travel, timeline. */
    KAIROS("kairos"),
    /** Exactly the tools of {@code @modelcontextprotocol/server-memory}. */
    SERVER_MEMORY("server-memory"),
    /** Exactly the tools of Graphiti's MCP server. */
    GRAPHITI("graphiti");

    private final String id;

    Toolset(String id) {
        this.id = id;
    }

    /** The name used by {@code --toolset} and the config key {@code memory.toolset}. */
    public String id() {
        return id;
    }

    /**
     * Parses {@code kairos}, {@code server-memory} or {@code graphiti} (any case; {@code _} for {@code -}).
     *
     * @param key what the text came from, named in the error (e.g. {@code --toolset} or {@code memory.toolset})
     */
    public static Toolset parse(String key, String text) {
        if (text != null) {
            String t = text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
            for (Toolset s : values()) {
                if (s.id.equals(t)) {
                    return s;
                }
            }
        }
        throw new IllegalArgumentException(key + ": must be one of "
                + Arrays.stream(values()).map(Toolset::id).collect(Collectors.joining(", "))
                + ", was " + (text == null ? "nothing" : "'" + text + "'"));
    }

    @Override
    public String toString() {
        return id;
    }
}
