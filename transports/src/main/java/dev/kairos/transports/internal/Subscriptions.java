package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The open {@code subscriptions/listen} streams of 2026-07-28 clients (the revision's replacement for
 * the GET stream and {@code resources/subscribe}). A stream is acknowledged first, then carries only
 * the notification kinds the client opted in to, each tagged with the listen request's id; it ends
 * when the client goes away or, gracefully with a result, when the server shuts down.
 *
 * <p>Kairos's tool, prompt and resource lists are fixed for the life of the process, so of the
 * filter only {@code resourceSubscriptions} is honoured; the acknowledgement says so.
 */
public final class Subscriptions {
    private static final int MAX_QUEUED = 1024;
    /** Put in every queue at shutdown so waiting streams end at once. */
    private static final ObjectNode WAKE_UP = new ObjectMapper().createObjectNode();

    /** Where a listen stream's messages go; false from a send means the client has gone. */
    public interface Sink {
        boolean send(JsonNode message);

        boolean keepAlive();
    }

    private record Listener(Set<String> uris, BlockingQueue<ObjectNode> queue) {
    }

    private final ObjectMapper json;
    private final Duration keepAlive;
    private final Set<Listener> listeners = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    public Subscriptions(ObjectMapper json, Duration keepAlive) {
        this.json = json;
        this.keepAlive = keepAlive;
    }

    /** How long an open stream may stay quiet before it carries a keep-alive comment. */
    public Duration keepAlive() {
        return keepAlive;
    }

    /** Tells every stream subscribed to {@code uri} that the resource changed. */
    public void resourceUpdated(String uri) {
        for (Listener l : listeners) {
            if (l.uris().contains(uri)) {
                ObjectNode n = json.createObjectNode();
                n.put("method", "notifications/resources/updated");
                n.putObject("params").put("uri", uri);
                // a client too slow to drain a thousand updates misses the oldest, not the server's memory
                if (!l.queue().offer(n)) {
                    l.queue().poll();
                    l.queue().offer(n);
                }
            }
        }
    }

    /** Serves one listen request on {@code sink} until the client leaves or the server closes. */
    public void listen(JsonNode request, Sink sink) {
        JsonNode id = request.get("id");
        JsonNode filter = request.path("params").path("notifications");
        Set<String> uris = new HashSet<>();
        filter.path("resourceSubscriptions").forEach(u -> {
            if (u.isTextual()) {
                uris.add(u.asText());
            }
        });
        ObjectNode ack = notification("notifications/subscriptions/acknowledged", id);
        ObjectNode accepted = ((ObjectNode) ack.get("params")).putObject("notifications");
        if (!uris.isEmpty()) {
            var list = accepted.putArray("resourceSubscriptions");
            uris.forEach(list::add);
        }
        Listener listener = new Listener(Set.copyOf(uris), new LinkedBlockingQueue<>(MAX_QUEUED));
        listeners.add(listener);
        try {
            if (!sink.send(ack)) {
                return;
            }
            while (!closing) {
                ObjectNode next = listener.queue().poll(keepAlive.toMillis(), TimeUnit.MILLISECONDS);
                if (next == WAKE_UP) {
                    continue;
                }
                if (next == null) {
                    if (!sink.keepAlive()) {
                        return;
                    }
                    continue;
                }
                next.put("jsonrpc", "2.0");
                ((ObjectNode) next.get("params")).putObject("_meta").set(Revision2026.META_SUBSCRIPTION, id);
                if (!sink.send(next)) {
                    return;
                }
            }
            // graceful end: the listen request's own result closes the subscription
            ObjectNode done = json.createObjectNode();
            done.put("jsonrpc", "2.0");
            done.set("id", id);
            ObjectNode result = done.putObject("result");
            result.put("resultType", "complete");
            result.putObject("_meta").set(Revision2026.META_SUBSCRIPTION, id);
            sink.send(done);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            listeners.remove(listener);
        }
    }

    /** Ends every stream, each with its listen result. */
    public void close() {
        closing = true;
        listeners.forEach(l -> l.queue().offer(WAKE_UP));
    }

    private ObjectNode notification(String method, JsonNode id) {
        ObjectNode n = json.createObjectNode();
        n.put("jsonrpc", "2.0");
        n.put("method", method);
        n.putObject("params").putObject("_meta").set(Revision2026.META_SUBSCRIPTION, id);
        return n;
    }
}
