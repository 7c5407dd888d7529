package dev.kairos.server.config;

import dev.kairos.agent.ExecutorSettings;
import dev.kairos.transports.ClientOptions;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code tools:} section of {@code kairos.yaml}: where the MCP server list is, and the
 * executor's bounds.
 *
 * @param mcpConfig            an {@code mcpServers} / VS Code {@code servers} JSON file, relative to kairos.yaml
 * @param timeout              a tool call's default timeout ("60s")
 * @param maxConcurrency       calls in flight at once over all servers
 * @param perServerConcurrency calls in flight at once to one server
 * @param maxResultChars       the longest result text the model reads
 * @param startTimeout         how long a server may take to start and answer {@code initialize} ("20s"; an
 *                             {@code npx} server that downloads its package first may need more)
 */
public record ToolsConfig(String mcpConfig, String timeout, Integer maxConcurrency, Integer perServerConcurrency,
                          Integer maxResultChars, String startTimeout) {

    /** Reads and checks the section of {@code config}. */
    public static ToolsConfig of(KairosConfig config) {
        ToolsConfig c = ConfigLoader.bind(config.source(), "tools", config.tools(), ToolsConfig.class);
        c.executorSettings(config.source());
        c.clientOptions(config.source(), "check");
        return c;
    }

    /** How Kairos connects to the servers: its name and {@code version}, and this section's start timeout. */
    public ClientOptions clientOptions(String source, String version) {
        ClientOptions d = ClientOptions.defaults(version);
        if (startTimeout == null) {
            return d;
        }
        Duration t;
        try {
            t = Durations.parse(startTimeout);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source + ": tools.start_timeout: " + e.getMessage());
        }
        if (t.isZero() || t.isNegative()) {
            throw new ConfigException(source + ": tools.start_timeout: must be longer than zero, got " + startTimeout);
        }
        return d.withInitializeTimeout(t);
    }

    /** The MCP config file: {@code explicit} if given, else {@code tools.mcp_config} (relative to the config file), else null. */
    public Path mcpConfigFile(Path explicit, String source) {
        if (explicit != null) {
            return explicit;
        }
        if (mcpConfig == null || mcpConfig.isBlank()) {
            return null;
        }
        Path p = Path.of(mcpConfig);
        if (!p.isAbsolute() && !"defaults".equals(source)) {
            Path dir = Path.of(source).toAbsolutePath().getParent();
            if (dir != null) {
                p = dir.resolve(p);
            }
        }
        return p;
    }

    /** The executor's bounds: the defaults with this section's values on top. */
    public ExecutorSettings executorSettings(String source) {
        ExecutorSettings d = ExecutorSettings.defaults();
        Duration t = d.defaultTimeout();
        if (timeout != null) {
            try {
                t = Durations.parse(timeout);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source + ": tools.timeout: " + e.getMessage());
            }
        }
        return new ExecutorSettings(positive(source, "max_concurrency", maxConcurrency, d.maxConcurrency()),
                positive(source, "per_server_concurrency", perServerConcurrency, d.perServerConcurrency()), t,
                positive(source, "max_result_chars", maxResultChars, d.maxResultChars()), d.maxAttempts(),
                d.retryBackoff(), d.breakerFailureRate(), d.breakerWindow(), d.breakerOpenFor());
    }

    private static int positive(String source, String key, Integer value, int fallback) {
        if (value == null) {
            return fallback;
        }
        if (value < 1) {
            throw new ConfigException(source + ": tools." + key + ": must be at least 1, got " + value);
        }
        return value;
    }
}
