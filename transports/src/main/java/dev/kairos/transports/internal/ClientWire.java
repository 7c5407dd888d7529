package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.spec.McpSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * How the client side of MCP's stateless 2026-07-28 revision moves one request: over HTTP each
 * request is its own POST (answered with JSON or an SSE stream scoped to it), over stdio a line on
 * the server's stdin matched to its answer by id. Either way a request can be aborted: on HTTP by
 * closing its response stream (the revision's cancellation signal), on stdio with
 * {@code notifications/cancelled}.
 */
public sealed interface ClientWire extends AutoCloseable permits ClientWire.Http, ClientWire.Stdio {
    /** An answer: the HTTP status (200 on stdio) and the JSON-RPC message, null when the body held none. */
    record Reply(int status, JsonNode message) {
    }

    /** One request in flight. */
    record Pending(CompletableFuture<Reply> reply, Consumer<String> abort) {
    }

    /**
     * Sends {@code request} (a JSON-RPC request with an id); notifications that come before its answer
     * go to {@code notifications}.
     */
    default Pending send(ObjectNode request, Consumer<JsonNode> notifications) {
        return send(request, Map.of(), notifications);
    }

    /**
     * As {@link #send(ObjectNode, Consumer)}, with {@code headers} (the {@code Mcp-Param-*} of a tool call)
     * added to an HTTP request; other transports have no headers and ignore them.
     */
    Pending send(ObjectNode request, Map<String, String> headers, Consumer<JsonNode> notifications);

    @Override
    void close();

    /** Streamable HTTP in the 2026-07-28 shape: no session, the request's metadata mirrored into headers. */
    final class Http implements ClientWire {
        private static final Logger LOG = LoggerFactory.getLogger(Http.class);
        private final String server;
        private final URI uri;
        private final Map<String, String> headers;
        private final HttpClient http;
        private final ObjectMapper json;

        public Http(String server, String url, Map<String, String> headers, Duration connectTimeout, ObjectMapper json) {
            this.server = server;
            this.uri = URI.create(url);
            this.headers = headers;
            this.json = json;
            // HTTP/1.1: closing a response stream closes its connection, which the server reads as cancellation
            this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                    .followRedirects(HttpClient.Redirect.NEVER).build();
        }

        @Override
        public Pending send(ObjectNode request, Map<String, String> extra, Consumer<JsonNode> notifications) {
            CompletableFuture<Reply> reply = new CompletableFuture<>();
            AtomicReference<InputStream> body = new AtomicReference<>();
            JsonNode id = request.get("id");
            Thread worker = Thread.ofVirtual().name("mcp-post-" + server).start(() -> {
                try {
                    HttpResponse<InputStream> r = http.send(build(request, extra), HttpResponse.BodyHandlers.ofInputStream());
                    body.set(r.body());
                    if (reply.isDone()) {
                        r.body().close();
                        return;
                    }
                    String type = r.headers().firstValue("Content-Type").orElse("");
                    if (type.startsWith("text/event-stream")) {
                        readEvents(r.statusCode(), r.body(), id, notifications, reply);
                    } else {
                        byte[] bytes;
                        try (InputStream in = r.body()) {
                            bytes = in.readNBytes(64 * 1024 * 1024);
                        }
                        reply.complete(new Reply(r.statusCode(), parse(bytes)));
                    }
                } catch (IOException | RuntimeException e) {
                    reply.completeExceptionally(e);
                } catch (InterruptedException e) {
                    reply.cancel(false);
                }
            });
            return new Pending(reply, reason -> {
                reply.cancel(false);
                InputStream in = body.get();
                if (in != null) {
                    try {
                        in.close();
                    } catch (IOException ignored) {
                        // the stream is gone either way
                    }
                }
                worker.interrupt();
                LOG.debug("server {}: aborted request {} ({})", server, id, reason);
            });
        }

        private HttpRequest build(ObjectNode request, Map<String, String> extra) throws IOException {
            String method = request.path("method").asText();
            JsonNode params = request.path("params");
            HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json, text/event-stream")
                    .header("MCP-Protocol-Version", params.path("_meta").path(Revision2026.META_VERSION).asText(Revision2026.VERSION))
                    .header("Mcp-Method", method);
            String name = switch (method) {
                case "tools/call", "prompts/get" -> params.path("name").asText(null);
                case "resources/read" -> params.path("uri").asText(null);
                default -> null;
            };
            if (name != null) {
                b.header("Mcp-Name", ParamHeaders.encode(name));
            }
            extra.forEach(b::header);
            headers.forEach(b::header);
            return b.POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(request))).build();
        }

        private void readEvents(int status, InputStream in, JsonNode id, Consumer<JsonNode> notifications,
                                CompletableFuture<Reply> reply) throws IOException {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                StringBuilder data = new StringBuilder();
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.isEmpty()) {
                        if (!data.isEmpty()) {
                            JsonNode m = parse(data.toString().getBytes(StandardCharsets.UTF_8));
                            data.setLength(0);
                            if (m == null) {
                                continue;
                            }
                            if ((m.has("result") || m.has("error")) && m.path("id").equals(id)) {
                                reply.complete(new Reply(status, m));
                                return;
                            }
                            if (m.has("method")) {
                                notifications.accept(m);
                            }
                        }
                    } else if (line.startsWith("data:")) {
                        if (!data.isEmpty()) {
                            data.append('\n');
                        }
                        data.append(line.startsWith("data: ") ? line.substring(6) : line.substring(5));
                    }
                    // id:, event:, retry: and comments carry nothing this revision needs (its streams do not resume)
                }
            }
            reply.completeExceptionally(new IOException("the server closed the stream before answering"));
        }

        private JsonNode parse(byte[] bytes) {
            try {
                JsonNode n = bytes.length == 0 ? null : json.readTree(bytes);
                return n != null && n.isObject() ? n : null;
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        public void close() {
            http.shutdownNow();
        }
    }

    /** A child process on stdio; its answers are matched to requests by id. */
    final class Stdio implements ClientWire {
        private static final Logger LOG = LoggerFactory.getLogger(Stdio.class);
        private final String server;
        private final ProcessStdioTransport process;
        private final ObjectMapper json;
        private final Map<JsonNode, CompletableFuture<Reply>> waiting = new ConcurrentHashMap<>();
        private final Map<JsonNode, Consumer<JsonNode>> listeners = new ConcurrentHashMap<>();

        /** Starts reading the process's stdout; an older server's SDK client may take the reading over later. */
        public Stdio(String server, ProcessStdioTransport process, ObjectMapper json) {
            this.server = server;
            this.process = process;
            this.json = json;
            process.connect(messages -> messages.doOnNext(this::route).then(Mono.<McpSchema.JSONRPCMessage>empty())).block();
            // a server that exits answers nothing more: fail what waits rather than leave it to its deadline
            process.process().onExit().thenRun(() -> waiting.values()
                    .forEach(f -> f.completeExceptionally(new IOException("the server exited"))));
        }

        private void route(McpSchema.JSONRPCMessage message) {
            JsonNode m = json.valueToTree(message);
            switch (message) {
                case McpSchema.JSONRPCResponse r -> {
                    CompletableFuture<Reply> f = waiting.remove(m.path("id"));
                    if (f != null) {
                        f.complete(new Reply(200, m));
                    }
                }
                case McpSchema.JSONRPCNotification n -> listeners.values().forEach(l -> l.accept(m));
                default -> LOG.debug("server {}: ignored a request from the server in a stateless exchange: {}", server, m);
            }
        }

        @Override
        public Pending send(ObjectNode request, Map<String, String> headers, Consumer<JsonNode> notifications) {
            JsonNode id = request.get("id");
            CompletableFuture<Reply> reply = new CompletableFuture<>();
            waiting.put(id, reply);
            listeners.put(id, notifications);
            reply.whenComplete((r, e) -> {
                waiting.remove(id);
                listeners.remove(id);
            });
            if (!process.process().isAlive()) {
                reply.completeExceptionally(new IOException("the server exited"));
                return new Pending(reply, reason -> { });
            }
            try {
                process.sendJson(json.writeValueAsString(request));
            } catch (IOException | RuntimeException e) {
                reply.completeExceptionally(e);
            }
            return new Pending(reply, reason -> {
                if (reply.cancel(false)) {
                    ObjectNode cancel = json.createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/cancelled");
                    cancel.putObject("params").put("reason", reason).set("requestId", id);
                    try {
                        process.sendJson(json.writeValueAsString(cancel));
                    } catch (IOException | RuntimeException e) {
                        LOG.debug("server {}: cancellation not sent: {}", server, e.toString());
                    }
                }
            });
        }

        /** The transport underneath, for an older server's SDK client after a failed probe. */
        public ProcessStdioTransport process() {
            return process;
        }

        /** Stops the process: stdin closed, SIGTERM, then a kill after the grace period. */
        @Override
        public void close() {
            waiting.values().forEach(f -> f.completeExceptionally(new IOException("closed")));
            process.close();
        }
    }
}
