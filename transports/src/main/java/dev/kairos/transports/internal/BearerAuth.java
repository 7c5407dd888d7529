package dev.kairos.transports.internal;

import dev.kairos.transports.AccessToken;
import dev.kairos.transports.Caller;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.util.List;
import java.util.Set;

/**
 * Checks the bearer token and records who is calling, for tenancy checks in the tools.
 *
 * <p>With no tokens configured (allowed on loopback only) every request is the local user.
 * Paths in {@code open} (the health check) need no token.
 */
public final class BearerAuth extends Handler.Wrapper {
    private final List<AccessToken> tokens;
    private final Caller localCaller;
    private final Set<String> open;

    public BearerAuth(Handler next, List<AccessToken> tokens, String defaultGroup, Set<String> open) {
        super(next);
        this.tokens = List.copyOf(tokens);
        this.localCaller = Caller.local(defaultGroup);
        this.open = Set.copyOf(open);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (tokens.isEmpty()) {
            request.setAttribute(Caller.CONTEXT_KEY, localCaller);
            return super.handle(request, response, callback);
        }
        if (open.contains(Request.getPathInContext(request))) {
            return super.handle(request, response, callback);
        }
        String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"kairos\"");
            JsonErrors.send(response, callback, HttpStatus.UNAUTHORIZED_401, "missing bearer token");
            return true;
        }
        String presented = authorization.substring(7).trim();
        for (AccessToken token : tokens) {
            if (token.matches(presented)) {
                request.setAttribute(Caller.CONTEXT_KEY, token.caller());
                return super.handle(request, response, callback);
            }
        }
        response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE,
                "Bearer realm=\"kairos\", error=\"invalid_token\", error_description=\"unknown token\"");
        JsonErrors.send(response, callback, HttpStatus.UNAUTHORIZED_401, "invalid bearer token");
        return true;
    }
}
