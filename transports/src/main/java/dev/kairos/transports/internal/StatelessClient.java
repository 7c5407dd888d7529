package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.transports.ClientOptions;
import dev.kairos.transports.ServerUnavailableException;
import io.modelcontextprotocol.spec.McpSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Kairos as a client of a server on MCP's stateless 2026-07-28 revision: no {@code initialize}; every
 * request carries the version and our capabilities in {@code _meta}; a result's {@code resultType}
 * says whether it is final or asks for input ({@code input_required}), which is answered through the
 * same elicitation handler as the older revisions' server-initiated requests and the request retried
 * with the answers and the echoed {@code requestState}; {@code tools/list} is cached for its
 * {@code ttlMs}; {@code subscriptions/listen} carries {@code notifications/tools/list_changed} and is
 * opened again when the server ends it. Over HTTP, tool parameters marked {@code x-mcp-header} are
 * mirrored into {@code Mcp-Param-*} headers ({@link ParamHeaders}) and tools with invalid marks left out.
 * Answers keep the shapes of the SDK's schema so the rest of Kairos sees one kind of tool and result.
 */
public final class StatelessClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatelessClient.class);
    /** Input rounds one call may take before Kairos gives up on it: a server that keeps asking is looping. */
    public static final int MAX_INPUT_ROUNDS = 8;
    private static final int MODERN_HEADER_MISMATCH = Revision2026.HEADER_MISMATCH;

    /** What the probe found out. */
    public sealed interface Era {
    }

    /** The server speaks 2026-07-28: its capabilities and identity from {@code server/discover}. */
    public record Modern(JsonNode capabilities, String serverInfo, String instructions) implements Era {
    }

    /** The server wants {@code initialize} (an older revision); {@code why} says what gave it away. */
    public record Legacy(String why) implements Era {
    }

    private final String server;
    private final ClientWire wire;
    private final ClientOptions options;
    private final ObjectMapper json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private final AtomicLong ids = new AtomicLong();
    private volatile ClientWire.Pending listening;
    private volatile boolean closed;
    private volatile Instant toolsFreshUntil = Instant.MIN;
    /** The {@code x-mcp-header} parameters of each listed tool that has any (HTTP only). */
    private volatile Map<String, List<ParamHeaders.Param>> paramHeaders = Map.of();

    public StatelessClient(String server, ClientWire wire, ClientOptions options) {
        this.server = server;
        this.wire = wire;
        this.options = options;
    }

    public ClientWire wire() {
        return wire;
    }

    /**
     * Sends {@code server/discover} and reads the answer by the revision's rule: a discover result
     * naming 2026-07-28 means a stateless server; a recognised 2026-07-28 error means one that wants
     * another version (a session-based one it also speaks, else a clear error); anything else, or no
     * answer within {@code wait}, means an older server.
     *
     * @throws ServerUnavailableException when the server cannot be reached or speaks only revisions Kairos does not
     */
    public Era probe(Duration wait) throws InterruptedException {
        return probe(wait, true);
    }

    private Era probe(Duration wait, boolean mayRetry) throws InterruptedException {
        ClientWire.Pending p = wire.send(request("server/discover", json.createObjectNode()), n -> { });
        ClientWire.Reply reply;
        try {
            reply = p.reply().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            p.abort().accept("no answer to server/discover");
            return new Legacy("no answer to server/discover within " + wait.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new ServerUnavailableException("server " + server + ": " + message(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            p.abort().accept("interrupted");
            throw e;
        }
        JsonNode m = reply.message();
        if (reply.status() == 401 || reply.status() == 403) {
            throw new ServerUnavailableException("server " + server + " refused us (HTTP " + reply.status() + ")");
        }
        if (m == null) {
            return new Legacy("HTTP " + reply.status() + " with no JSON-RPC answer to server/discover");
        }
        JsonNode error = m.get("error");
        if (error != null) {
            int code = error.path("code").asInt();
            if (code == Revision2026.UNSUPPORTED_VERSION) {
                List<String> offered = new ArrayList<>();
                error.path("data").path("supported").forEach(v -> offered.add(v.asText()));
                if (offered.contains(Revision2026.VERSION) && mayRetry) {
                    // it lists the version we asked for after all (a rejection on the way, say): choose it again, once
                    return probe(wait, false);
                }
                if (offered.stream().anyMatch(v -> Revision2026.SUPPORTED.contains(v) && !Revision2026.VERSION.equals(v))) {
                    return new Legacy("it does not serve " + Revision2026.VERSION + " but offers " + offered);
                }
                throw new ServerUnavailableException("server " + server + " speaks only " + offered + "; Kairos speaks "
                        + Revision2026.SUPPORTED);
            }
            if (code == MODERN_HEADER_MISMATCH || code == Revision2026.MISSING_CLIENT_CAPABILITY) {
                throw new ServerUnavailableException("server " + server + " refused server/discover: "
                        + error.path("message").asText() + " (code " + code + ")");
            }
            return new Legacy("server/discover answered with error " + code + " (" + error.path("message").asText() + ")");
        }
        JsonNode result = m.path("result");
        List<String> versions = new ArrayList<>();
        result.path("supportedVersions").forEach(v -> versions.add(v.asText()));
        if (!versions.contains(Revision2026.VERSION)) {
            if (versions.isEmpty() || versions.stream().anyMatch(Revision2026.SUPPORTED::contains)) {
                return new Legacy(versions.isEmpty() ? "server/discover answered without supportedVersions"
                        : "it offers " + versions);
            }
            throw new ServerUnavailableException("server " + server + " speaks only " + versions + "; Kairos speaks "
                    + Revision2026.SUPPORTED);
        }
        JsonNode info = result.path("_meta").path(Revision2026.META_SERVER_INFO);
        String serverInfo = info.isObject() ? (info.path("name").asText("?") + " " + info.path("version").asText("")).strip() : null;
        return new Modern(result.path("capabilities"), serverInfo, result.path("instructions").asText(null));
    }

    /** Whether the tool list last fetched is past its {@code ttlMs}. */
    public boolean toolsStale() {
        return Instant.now().isAfter(toolsFreshUntil);
    }

    /**
     * Every page of {@code tools/list}; the shortest {@code ttlMs} of the pages says how long it stays
     * fresh. Over HTTP a tool whose {@code x-mcp-header} annotations break the revision's rules is left
     * out, with a warning naming it and why (one bad definition must not cost the others).
     */
    public List<McpSchema.Tool> listTools(Duration timeout) throws InterruptedException {
        List<McpSchema.Tool> all = new ArrayList<>();
        Map<String, List<ParamHeaders.Param>> headers = new HashMap<>();
        String cursor = null;
        long ttl = Long.MAX_VALUE;
        Instant started = Instant.now();
        do {
            ObjectNode params = json.createObjectNode();
            if (cursor != null) {
                params.put("cursor", cursor);
            }
            JsonNode result = complete("tools/list", params, Instant.now().plus(timeout));
            for (JsonNode t : result.path("tools")) {
                if (wire instanceof ClientWire.Http) {
                    switch (ParamHeaders.read(t.get("inputSchema"))) {
                        case ParamHeaders.Invalid bad -> {
                            LOG.warn("server {}: tool {} left out: {}", server, t.path("name").asText("?"), bad.reason());
                            continue;
                        }
                        case ParamHeaders.Valid ok -> {
                            if (!ok.params().isEmpty()) {
                                headers.put(t.path("name").asText(), ok.params());
                            }
                        }
                    }
                }
                all.add(json.convertValue(t, McpSchema.Tool.class));
            }
            ttl = Math.min(ttl, result.path("ttlMs").asLong(0));
            cursor = result.path("nextCursor").asText(null);
        } while (cursor != null && all.size() < 10_000);
        toolsFreshUntil = started.plusMillis(Math.max(0, ttl));
        paramHeaders = Map.copyOf(headers);
        return List.copyOf(all);
    }

    /**
     * Calls a tool, answering the server's input requests for up to {@link #MAX_INPUT_ROUNDS} rounds.
     * A JSON-RPC error comes back as an error result; at the deadline or on interrupt the request in
     * flight is aborted (HTTP: its stream closed; stdio: {@code notifications/cancelled}).
     */
    public McpSchema.CallToolResult call(String tool, Map<String, Object> arguments, Object progressToken,
                                         Consumer<JsonNode> onProgress, Instant deadline) throws InterruptedException, TimeoutException {
        ObjectNode params = json.createObjectNode();
        params.put("name", tool);
        params.set("arguments", json.valueToTree(arguments == null ? Map.of() : arguments));
        boolean relisted = false;
        for (int round = 1; ; round++) {
            ObjectNode sent = params.deepCopy();
            ObjectNode req = request("tools/call", sent);
            ((ObjectNode) req.get("params").get("_meta")).set("progressToken", json.valueToTree(progressToken));
            Map<String, String> headers = ParamHeaders.headers(paramHeaders.getOrDefault(tool, List.of()), params.get("arguments"));
            JsonNode answer = exchange(req, headers, n -> {
                if ("notifications/progress".equals(n.path("method").asText())
                        && n.path("params").path("progressToken").equals(json.valueToTree(progressToken))) {
                    onProgress.accept(n.path("params"));
                }
            }, deadline);
            JsonNode error = answer.get("error");
            if (error != null && error.path("code").asInt() == MODERN_HEADER_MISMATCH && !relisted
                    && wire instanceof ClientWire.Http) {
                // the revision's advice: the tool's x-mcp-header parameters may have changed; list again and
                // resend once when that changes our headers (the server rejected the request before running it)
                relisted = true;
                List<McpSchema.Tool> fresh = List.of();
                try {
                    fresh = listTools(Duration.ofMillis(Math.max(1, Duration.between(Instant.now(), deadline).toMillis())));
                } catch (ServerUnavailableException e) {
                    LOG.info("server {}: listing tools after a header mismatch failed: {}", server, e.getMessage());
                }
                toolsFreshUntil = Instant.MIN; // the connection's own copy of the list is refreshed on its next read
                boolean stillOffered = fresh.stream().anyMatch(t -> tool.equals(t.name()));
                if (stillOffered && !ParamHeaders.headers(paramHeaders.getOrDefault(tool, List.of()), params.get("arguments"))
                        .equals(headers)) {
                    LOG.info("server {}: {} was refused for its headers ({}); sending it again with the listed ones",
                            server, tool, error.path("message").asText());
                    round--;
                    continue;
                }
            }
            if (error != null) {
                return McpSchema.CallToolResult.builder().isError(true).addTextContent("server " + server
                        + " answered with an error: " + error.path("message").asText() + " (code " + error.path("code").asInt() + ")").build();
            }
            JsonNode result = answer.path("result");
            if (!"input_required".equals(result.path("resultType").asText("complete"))) {
                return json.convertValue(result, McpSchema.CallToolResult.class);
            }
            if (round >= MAX_INPUT_ROUNDS) {
                return McpSchema.CallToolResult.builder().isError(true).addTextContent("server " + server + " asked for input "
                        + round + " times for " + tool + "; Kairos stops after " + MAX_INPUT_ROUNDS).build();
            }
            ObjectNode responses = json.createObjectNode();
            for (var it = result.path("inputRequests").fields(); it.hasNext(); ) {
                var e = it.next();
                JsonNode response = answerInput(tool, e.getValue());
                if (response == null) {
                    return McpSchema.CallToolResult.builder().isError(true).addTextContent("server " + server + " asked for "
                            + e.getValue().path("method").asText("?") + " during " + tool
                            + ", which Kairos does not offer as a client").build();
                }
                responses.set(e.getKey(), response);
            }
            params.set("inputResponses", responses);
            if (result.hasNonNull("requestState")) {
                params.set("requestState", result.get("requestState"));
            } else {
                params.remove("requestState");
            }
        }
    }

    /** Our answer to one input request, or null when we cannot give one (the capability was not declared). */
    private JsonNode answerInput(String tool, JsonNode request) {
        String method = request.path("method").asText();
        JsonNode params = request.path("params");
        return switch (method) {
            case "elicitation/create" -> {
                if (options.elicitation() == null || "url".equals(params.path("mode").asText("form"))) {
                    yield json.createObjectNode().put("action", "decline");
                }
                McpSchema.ElicitFormRequest form = json.convertValue(params, McpSchema.ElicitFormRequest.class);
                McpSchema.ElicitResult r = options.elicitation().apply(form);
                ObjectNode out = json.valueToTree(r);
                if (options.applyElicitationDefaults() && r.action() == McpSchema.ElicitResult.Action.ACCEPT) {
                    withDefaults(out, params.path("requestedSchema"));
                }
                LOG.debug("server {}: answered an elicitation during {}: {}", server, tool, r.action());
                yield out;
            }
            case "sampling/createMessage" -> {
                if (options.sampling() == null) {
                    yield null;
                }
                yield json.valueToTree(options.sampling().apply(json.convertValue(params, McpSchema.CreateMessageRequest.class)));
            }
            default -> null;
        };
    }

    /** Fills fields the answer left out with the requested schema's defaults. */
    private static void withDefaults(ObjectNode answer, JsonNode schema) {
        ObjectNode content = answer.has("content") && answer.get("content").isObject()
                ? (ObjectNode) answer.get("content") : answer.putObject("content");
        for (var it = schema.path("properties").fields(); it.hasNext(); ) {
            var p = it.next();
            if (!content.has(p.getKey()) && p.getValue().has("default")) {
                content.set(p.getKey(), p.getValue().get("default"));
            }
        }
    }

    /**
     * Opens {@code subscriptions/listen} for tool-list changes; {@code onChange} runs (on its own
     * thread) for each. A server that refuses it is logged, not fatal: the list's {@code ttlMs} still holds.
     * A stream the server ends (HTTP: closed, with or without its final result; stdio: its
     * {@code notifications/cancelled} for the listen) is opened again until {@link #close()}, after a wait
     * that starts at {@code restartBackoff} and doubles up to {@code maxRestartBackoff}; {@code onChange}
     * runs after each reopening too, since a change may have come while no stream was open.
     */
    public void listenForToolChanges(Runnable onChange) {
        listen(onChange, 0);
    }

    private void listen(Runnable onChange, int failures) {
        if (closed) {
            return;
        }
        ObjectNode params = json.createObjectNode();
        params.putObject("notifications").put("toolsListChanged", true);
        ObjectNode request = request("subscriptions/listen", params);
        JsonNode id = request.get("id");
        CompletableFuture<String> ended = new CompletableFuture<>();
        Instant opened = Instant.now();
        ClientWire.Pending p = wire.send(request, n -> {
            String method = n.path("method").asText();
            if ("notifications/tools/list_changed".equals(method)) {
                Thread.ofVirtual().name("tools-changed-" + server).start(onChange);
            } else if ("notifications/cancelled".equals(method) && id.equals(n.path("params").path("requestId"))) {
                // stdio: how a server ends a listen stream
                ended.complete("the server ended it" + (n.path("params").has("reason")
                        ? " (" + n.path("params").path("reason").asText() + ")" : ""));
            }
        });
        listening = p;
        if (closed) {
            p.abort().accept("closing");
            return;
        }
        p.reply().whenComplete((r, e) -> {
            if (e == null && (r.message() != null ? r.message().has("error") : r.status() >= 400)) {
                LOG.info("server {}: no subscriptions/listen ({}); its tool list is refreshed by its ttlMs", server,
                        r.message() != null ? r.message().path("error").path("message").asText() : "HTTP " + r.status());
                ended.complete(null);
            } else {
                ended.complete(e == null ? "the server ended it" : message(e));
            }
        });
        ended.thenAccept(why -> {
            p.reply().cancel(false); // a stdio stream the server ended: stop waiting for its answer
            if (why == null || closed || listening != p) {
                return;
            }
            // a stream that lived a while was a working one: start the backoff afresh
            Duration lived = Duration.between(opened, Instant.now());
            int attempt = lived.compareTo(options.maxRestartBackoff()) >= 0 ? 0 : failures;
            long wait = Math.min(options.maxRestartBackoff().toMillis(),
                    options.restartBackoff().toMillis() << Math.min(attempt, 20));
            LOG.info("server {}: the subscriptions/listen stream ended ({}); opening it again in {} ms", server, why, wait);
            Thread.ofVirtual().name("listen-" + server).start(() -> {
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException x) {
                    return;
                }
                if (closed) {
                    return;
                }
                listen(onChange, attempt + 1);
                onChange.run();
            });
        });
    }

    /** A request whose final result is expected at once (no input rounds): the result, or an exception. */
    private JsonNode complete(String method, ObjectNode params, Instant deadline) throws InterruptedException {
        JsonNode answer;
        try {
            answer = exchange(request(method, params), n -> { }, deadline);
        } catch (TimeoutException e) {
            throw new ServerUnavailableException("server " + server + " did not answer " + method + " in time");
        }
        JsonNode error = answer.get("error");
        if (error != null) {
            throw new ServerUnavailableException("server " + server + " answered " + method + " with an error: "
                    + error.path("message").asText() + " (code " + error.path("code").asInt() + ")");
        }
        return answer.path("result");
    }

    private JsonNode exchange(ObjectNode request, Consumer<JsonNode> notifications, Instant deadline)
            throws InterruptedException, TimeoutException {
        return exchange(request, Map.of(), notifications, deadline);
    }

    private JsonNode exchange(ObjectNode request, Map<String, String> headers, Consumer<JsonNode> notifications,
                              Instant deadline) throws InterruptedException, TimeoutException {
        ClientWire.Pending p = wire.send(request, headers, notifications);
        try {
            long wait = Math.max(0, Duration.between(Instant.now(), deadline).toNanos());
            ClientWire.Reply reply = p.reply().get(wait, TimeUnit.NANOSECONDS);
            if (reply.message() == null) {
                throw new ServerUnavailableException("server " + server + " answered " + request.path("method").asText()
                        + " with HTTP " + reply.status() + " and no JSON-RPC message");
            }
            return reply.message();
        } catch (TimeoutException e) {
            p.abort().accept("timed out");
            throw e;
        } catch (InterruptedException e) {
            p.abort().accept("cancelled by the client");
            throw e;
        } catch (CancellationException e) {
            throw new ServerUnavailableException("server " + server + ": the request was cancelled", e);
        } catch (ExecutionException e) {
            throw new ServerUnavailableException("server " + server + ": " + message(e.getCause()), e.getCause());
        }
    }

    /** A JSON-RPC request with this revision's {@code _meta}: version, our capabilities, our name. */
    private ObjectNode request(String method, ObjectNode params) {
        ObjectNode r = json.createObjectNode();
        r.put("jsonrpc", "2.0");
        r.put("id", "kairos-" + ids.incrementAndGet());
        r.put("method", method);
        ObjectNode meta = params.has("_meta") && params.get("_meta").isObject() ? (ObjectNode) params.get("_meta") : params.putObject("_meta");
        meta.put(Revision2026.META_VERSION, Revision2026.VERSION);
        meta.set(Revision2026.META_CAPABILITIES, capabilities());
        meta.putObject(Revision2026.META_CLIENT_INFO).put("name", options.clientName()).put("version", options.clientVersion());
        r.set("params", params);
        return r;
    }

    private ObjectNode capabilities() {
        ObjectNode c = json.createObjectNode();
        if (options.elicitation() != null) {
            c.putObject("elicitation").putObject("form");
        }
        if (options.sampling() != null) {
            c.putObject("sampling");
        }
        return c;
    }

    private static String message(Throwable t) {
        String m = t == null ? "failed" : t.getMessage();
        return m == null || m.isBlank() ? String.valueOf(t) : m;
    }

    /** Ends the listen stream and the wire (a stdio server's process is stopped). */
    @Override
    public void close() {
        closed = true;
        ClientWire.Pending p = listening;
        if (p != null) {
            p.abort().accept("closing");
        }
        wire.close();
    }

    /** The version this client speaks, for the connection's state. */
    public static String version() {
        return Revision2026.VERSION;
    }
}
