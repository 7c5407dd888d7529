package dev.kairos.server.config;

import java.util.List;

/**
 * The {@code server:} section: where the HTTP endpoint listens and who may call it.
 *
 * <p>Durations are written {@code 250ms}, {@code 30s}, {@code 10m}, {@code 1h} or ISO-8601.
 */
public record ServerConfig(
        String host,
        Integer port,
        List<String> allowedHosts,
        List<String> allowedOrigins,
        Integer maxRequestBytes,
        String sessionIdleTimeout,
        String keepAliveInterval,
        String shutdownGrace,
        List<TokenConfig> tokens,
        Integer maxSessionsPerToken) {

    /** One bearer token: the secret inline ({@code token}) or from an environment variable ({@code token_env}). */
    public record TokenConfig(String name, String token, String tokenEnv, List<String> groups, String defaultGroup) {
    }
}
