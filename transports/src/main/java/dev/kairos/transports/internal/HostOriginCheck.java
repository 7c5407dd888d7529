package dev.kairos.transports.internal;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * DNS-rebinding protection: a request whose Host is not ours, or that a browser sent from a foreign
 * Origin, gets 403 before it reaches any MCP code.
 *
 * <p>Loopback names are always accepted; others come from the configuration. With no configured
 * hosts on a non-loopback bind, any Host passes (bearer tokens are mandatory there).
 */
public final class HostOriginCheck extends Handler.Wrapper {
    private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

    private final Set<String> allowedHosts;
    private final Set<String> allowedOrigins;
    private final boolean anyHost;

    public HostOriginCheck(Handler next, List<String> allowedHosts, List<String> allowedOrigins, boolean anyHost) {
        super(next);
        this.allowedHosts = Set.copyOf(allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList());
        this.allowedOrigins = Set.copyOf(allowedOrigins.stream().map(o -> o.toLowerCase(Locale.ROOT)).toList());
        this.anyHost = anyHost;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String host = request.getHeaders().get(HttpHeader.HOST);
        if (!hostAllowed(host)) {
            JsonErrors.send(response, callback, HttpStatus.FORBIDDEN_403, "Host '" + host + "' is not allowed");
            return true;
        }
        String origin = request.getHeaders().get(HttpHeader.ORIGIN);
        if (origin != null && !originAllowed(origin)) {
            JsonErrors.send(response, callback, HttpStatus.FORBIDDEN_403, "Origin '" + origin + "' is not allowed");
            return true;
        }
        return super.handle(request, response, callback);
    }

    private boolean hostAllowed(String hostHeader) {
        if (hostHeader == null || hostHeader.isBlank()) {
            return false;
        }
        String value = hostHeader.toLowerCase(Locale.ROOT);
        if (allowedHosts.contains(value)) {
            return true;
        }
        String name = stripPort(value);
        return LOOPBACK.contains(name) || allowedHosts.contains(name) || anyHost;
    }

    private boolean originAllowed(String origin) {
        String value = origin.toLowerCase(Locale.ROOT);
        if (allowedOrigins.contains(value) || allowedOrigins.contains("*")) {
            return true;
        }
        try {
            URI uri = URI.create(value);
            String scheme = uri.getScheme();
            String host = uri.getHost();
            return ("http".equals(scheme) || "https".equals(scheme)) && host != null && LOOPBACK.contains(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String stripPort(String hostHeader) {
        if (hostHeader.startsWith("[")) {
            int end = hostHeader.indexOf(']');
            return end > 0 ? hostHeader.substring(0, end + 1) : hostHeader;
        }
        int colon = hostHeader.lastIndexOf(':');
        return colon > 0 ? hostHeader.substring(0, colon) : hostHeader;
    }
}
