package dev.kairos.server.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.transports.AccessToken;
import dev.kairos.transports.HttpSettings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The whole configuration, loaded once from {@code kairos.yaml} (or JSON) plus environment
 * overrides, validated, and passed down as data.
 *
 * @param source  where it came from (a file, or "defaults"), for error messages
 * @param server  the HTTP endpoint
 * @param memory  the raw {@code memory:} section, bound by the memory subsystem
 * @param inference the raw {@code inference:} section, bound by the inference subsystem
 * @param tools   the raw {@code tools:} section (MCP servers to call, executor bounds), bound by {@link ToolsConfig}
 * @param agent   the raw {@code agent:} section (the runs' loop guards), bound by {@link AgentConfig}
 */
public record KairosConfig(String source, ServerConfig server, ObjectNode memory, ObjectNode inference,
                           ObjectNode tools, ObjectNode agent, Map<String, String> env) {

    /** The memory group used when a caller names none (stdio, or a token without a default). */
    public String defaultGroup() {
        return Optional.ofNullable(memory.get("default_group")).map(n -> n.asText()).orElse("default");
    }

    /** HTTP settings with defaults filled in and tokens resolved from the environment. */
    public HttpSettings httpSettings() {
        HttpSettings d = HttpSettings.defaults();
        ServerConfig s = server;
        if (s.maxSessionsPerToken() != null && s.maxSessionsPerToken() < 1) {
            throw new ConfigException(source + ": server.max_sessions_per_token: must be at least 1, was " + s.maxSessionsPerToken());
        }
        try {
            return new HttpSettings(
                    s.host() != null ? s.host() : d.host(),
                    s.port() != null ? s.port() : d.port(),
                    tokens(),
                    s.allowedHosts() != null ? s.allowedHosts() : d.allowedHosts(),
                    s.allowedOrigins() != null ? s.allowedOrigins() : d.allowedOrigins(),
                    s.maxRequestBytes() != null ? s.maxRequestBytes() : d.maxRequestBytes(),
                    duration("server.session_idle_timeout", s.sessionIdleTimeout(), d.sessionIdleTimeout()),
                    duration("server.keep_alive_interval", s.keepAliveInterval(), d.keepAliveInterval()),
                    duration("server.shutdown_grace", s.shutdownGrace(), d.shutdownGrace()),
                    s.maxSessionsPerToken() != null ? s.maxSessionsPerToken() : d.maxSessionsPerToken())
                    .withRequestStateKey(requestStateKey());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source + ": server: " + e.getMessage());
        }
    }

    /**
     * The secret that signs 2026-07-28 request states, from {@code KAIROS_REQUEST_STATE_KEY}: instances
     * behind one load balancer must share it, so a client's retry may land on any of them.
     */
    private String requestStateKey() {
        String key = env.get("KAIROS_REQUEST_STATE_KEY");
        if (key == null || key.isBlank()) {
            return null;
        }
        if (key.trim().length() < 16) {
            throw new ConfigException("KAIROS_REQUEST_STATE_KEY: must be at least 16 characters");
        }
        return key.trim();
    }

    private List<AccessToken> tokens() {
        List<AccessToken> out = new ArrayList<>();
        String single = env.get("KAIROS_TOKEN");
        if (single != null && !single.isBlank()) {
            out.add(token("KAIROS_TOKEN", "env", single.trim(), List.of("*"), null));
        }
        List<ServerConfig.TokenConfig> configured = server.tokens() == null ? List.of() : server.tokens();
        for (int i = 0; i < configured.size(); i++) {
            ServerConfig.TokenConfig t = configured.get(i);
            String key = "server.tokens[" + i + "]";
            String name = t.name() != null ? t.name() : "token-" + (i + 1);
            String secret = t.token();
            if (t.tokenEnv() != null) {
                secret = env.get(t.tokenEnv());
                if (secret == null || secret.isBlank()) {
                    throw new ConfigException(source + ": " + key + ".token_env: environment variable "
                            + t.tokenEnv() + " is not set");
                }
            }
            if (secret == null || secret.isBlank()) {
                throw new ConfigException(source + ": " + key + ": needs 'token' or 'token_env'");
            }
            if (t.groups() == null || t.groups().isEmpty()) {
                throw new ConfigException(source + ": " + key + ".groups: list the memory groups this token may touch ('*' for all)");
            }
            out.add(token(key, name, secret.trim(), t.groups(), t.defaultGroup()));
        }
        return out;
    }

    private AccessToken token(String key, String name, String secret, List<String> groups, String defaultGroup) {
        try {
            return new AccessToken(name, secret, Set.copyOf(groups), defaultGroup);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source + ": " + key + ": " + e.getMessage());
        }
    }

    private Duration duration(String key, String text, Duration fallback) {
        if (text == null) {
            return fallback;
        }
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source + ": " + key + ": " + e.getMessage());
        }
    }

    /** The data directory default shared by subsystems: {@code ~/.kairos}, where {@code ~} follows {@code $HOME}. */
    public static Path home() {
        return home(System.getenv());
    }

    /** {@code ~/.kairos} for this environment. */
    public static Path home(Map<String, String> env) {
        return Path.of(userHome(env), ".kairos");
    }

    /**
     * The user's home: {@code $HOME} when set, as shells and scripts expect; Java's {@code user.home} (from the
     * password database, ignoring {@code HOME}) only when it is not.
     */
    public static String userHome(Map<String, String> env) {
        String home = env.get("HOME");
        return home != null && !home.isBlank() ? home : System.getProperty("user.home");
    }
}
