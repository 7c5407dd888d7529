package dev.kairos.bench.mcp;

import java.net.URI;
import java.util.Optional;

/**
 * A server under test: a short name for the report, its Streamable HTTP endpoint, when known its
 * process for CPU accounting, and whether it is driven with the stateless 2026-07-28 revision
 * instead of a session.
 */
record Target(String name, URI endpoint, Optional<ServerProcess> process, boolean stateless) {
    /** Parses {@code name=http://host:port/mcp[@pid]}; the error names the part that is wrong. */
    static Target parse(String spec, long clkTck) {
        int eq = spec.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("--target '" + spec + "': expected name=http://host:port/path[@pid]");
        }
        String name = spec.substring(0, eq);
        String rest = spec.substring(eq + 1);
        Optional<ServerProcess> process = Optional.empty();
        int at = rest.lastIndexOf('@');
        if (at > 0) {
            String pid = rest.substring(at + 1);
            try {
                process = Optional.of(new ServerProcess(Long.parseLong(pid), clkTck));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--target '" + spec + "': pid '" + pid + "' is not a number");
            }
            rest = rest.substring(0, at);
        }
        URI uri;
        try {
            uri = URI.create(rest);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--target '" + spec + "': bad URL '" + rest + "'", e);
        }
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("--target '" + spec + "': URL must be http://host:port/path, got '" + rest + "'");
        }
        return new Target(name, uri, process, false);
    }

    /** The same server driven with the stateless 2026-07-28 revision. */
    Target asStateless() {
        return new Target(name, endpoint, process, true);
    }
}
