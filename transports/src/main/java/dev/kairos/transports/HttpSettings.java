package dev.kairos.transports;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the HTTP endpoint listens and whom it lets in.
 *
 * @param host            bind address; loopback by default
 * @param port            TCP port; 0 picks a free one
 * @param tokens          bearer tokens; required when {@code host} is not a loopback address
 * @param allowedHosts    Host header values accepted (DNS-rebinding protection), {@code host:port} or bare host
 * @param allowedOrigins  Origin header values accepted from browsers; requests without Origin pass
 * @param maxRequestBytes largest request body accepted; larger gets 413
 * @param sessionIdleTimeout an MCP session with no request for this long is closed
 * @param keepAliveInterval ping interval on open streams, so dead clients are noticed
 * @param shutdownGrace   how long in-flight calls may run on after SIGTERM before the process exits
 * @param maxSessionsPerToken open Streamable HTTP sessions one token (or the tokenless local user) may hold;
 *                        an initialize beyond it gets 503 until one is deleted or swept as idle
 * @param requestStateKey the secret that signs 2026-07-28 {@code requestState} (at least 16 characters);
 *                        instances behind one load balancer share it; null: a random key per process
 */
public record HttpSettings(
        String host,
        int port,
        List<AccessToken> tokens,
        List<String> allowedHosts,
        List<String> allowedOrigins,
        int maxRequestBytes,
        Duration sessionIdleTimeout,
        Duration keepAliveInterval,
        Duration shutdownGrace,
        int maxSessionsPerToken,
        String requestStateKey) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8765;
    /** Enough for many IDE windows and agents on one token; a client leaking sessions stops here. */
    public static final int DEFAULT_MAX_SESSIONS_PER_TOKEN = 100;

    public HttpSettings {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        tokens = List.copyOf(tokens);
        allowedHosts = List.copyOf(allowedHosts);
        allowedOrigins = List.copyOf(allowedOrigins);
        if (maxRequestBytes < 1024) {
            throw new IllegalArgumentException("maxRequestBytes must be at least 1024, got " + maxRequestBytes);
        }
        Objects.requireNonNull(sessionIdleTimeout, "sessionIdleTimeout");
        Objects.requireNonNull(keepAliveInterval, "keepAliveInterval");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        if (maxSessionsPerToken < 1) {
            throw new IllegalArgumentException("maxSessionsPerToken must be at least 1, got " + maxSessionsPerToken);
        }
        if (requestStateKey != null && requestStateKey.length() < 16) {
            throw new IllegalArgumentException("requestStateKey must be at least 16 characters");
        }
    }

    public HttpSettings(String host, int port, List<AccessToken> tokens, List<String> allowedHosts,
                        List<String> allowedOrigins, int maxRequestBytes, Duration sessionIdleTimeout,
                        Duration keepAliveInterval, Duration shutdownGrace, int maxSessionsPerToken) {
        this(host, port, tokens, allowedHosts, allowedOrigins, maxRequestBytes, sessionIdleTimeout,
                keepAliveInterval, shutdownGrace, maxSessionsPerToken, null);
    }

    public HttpSettings withRequestStateKey(String key) {
        return new HttpSettings(host, port, tokens, allowedHosts, allowedOrigins, maxRequestBytes,
                sessionIdleTimeout, keepAliveInterval, shutdownGrace, maxSessionsPerToken, key);
    }

    /** Settings with the default session cap. */
    public HttpSettings(String host, int port, List<AccessToken> tokens, List<String> allowedHosts,
                        List<String> allowedOrigins, int maxRequestBytes, Duration sessionIdleTimeout,
                        Duration keepAliveInterval, Duration shutdownGrace) {
        this(host, port, tokens, allowedHosts, allowedOrigins, maxRequestBytes, sessionIdleTimeout,
                keepAliveInterval, shutdownGrace, DEFAULT_MAX_SESSIONS_PER_TOKEN);
    }

    /** Loopback on the default port, no tokens, 4 MiB bodies, 30 min idle sessions. */
    public static HttpSettings defaults() {
        return new HttpSettings(DEFAULT_HOST, DEFAULT_PORT, List.of(), List.of(), List.of(),
                4 * 1024 * 1024, Duration.ofMinutes(30), Duration.ofSeconds(30), Duration.ofSeconds(10));
    }

    public HttpSettings withMaxSessionsPerToken(int max) {
        return new HttpSettings(host, port, tokens, allowedHosts, allowedOrigins, maxRequestBytes,
                sessionIdleTimeout, keepAliveInterval, shutdownGrace, max, requestStateKey);
    }

    public HttpSettings withPort(int newPort) {
        return new HttpSettings(host, newPort, tokens, allowedHosts, allowedOrigins, maxRequestBytes,
                sessionIdleTimeout, keepAliveInterval, shutdownGrace, maxSessionsPerToken, requestStateKey);
    }

    public HttpSettings withHost(String newHost) {
        return new HttpSettings(newHost, port, tokens, allowedHosts, allowedOrigins, maxRequestBytes,
                sessionIdleTimeout, keepAliveInterval, shutdownGrace, maxSessionsPerToken, requestStateKey);
    }

    public HttpSettings withTokens(List<AccessToken> newTokens) {
        return new HttpSettings(host, port, newTokens, allowedHosts, allowedOrigins, maxRequestBytes,
                sessionIdleTimeout, keepAliveInterval, shutdownGrace, maxSessionsPerToken, requestStateKey);
    }

    /** Whether the bind address only accepts connections from this machine. */
    public boolean isLoopback() {
        if (host.equals("localhost")) {
            return true;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * Refuses settings that would expose the memory to the network without authentication.
     *
     * @throws IllegalStateException with a message saying how to fix it
     */
    public void checkSafeToStart() {
        if (!isLoopback() && tokens.isEmpty()) {
            throw new IllegalStateException("refusing to listen on " + host + " without authentication: "
                    + "binding to a non-loopback address requires at least one bearer token "
                    + "(set KAIROS_TOKEN or server.tokens in the config file)");
        }
    }
}
