package dev.kairos.transports;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Long tool calls that a client may stop with {@code notifications/cancelled}. The SDK server does
 * not hand a tool its JSON-RPC id, so calls are known by their progress token: a tool registers
 * under the token it was given, and the transport, which sees both the call and the cancellation,
 * maps the cancelled request id to that token.
 */
public final class Cancellations {
    private final Map<String, Runnable> byToken = new ConcurrentHashMap<>();

    /** Registers what stops the call with this progress token; close the handle when the call ends. */
    public AutoCloseable register(Object progressToken, Runnable cancel) {
        if (progressToken == null) {
            return () -> { };
        }
        String key = key(progressToken);
        byToken.put(key, cancel);
        return () -> byToken.remove(key, cancel);
    }

    /** Called by a transport: the call with this progress token was cancelled by its client. */
    public boolean cancel(JsonNode progressToken) {
        Runnable r = byToken.remove(key(progressToken));
        if (r != null) {
            r.run();
            return true;
        }
        return false;
    }

    static String key(Object token) {
        if (token instanceof JsonNode n) {
            return n.isTextual() ? "s:" + n.asText() : "n:" + n.asText();
        }
        return token instanceof CharSequence ? "s:" + token : "n:" + token;
    }
}
