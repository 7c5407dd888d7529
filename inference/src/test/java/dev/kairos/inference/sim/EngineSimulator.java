package dev.kairos.inference.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in inference engine: a real HTTP/1.1 server on a loopback port that plays scripted
 * answers byte for byte in the wire format of vLLM, SGLang, llama.cpp or Ollama, faults included.
 *
 * <p>A script is a JSON data file (see {@code src/test/resources/sim/README.md}): for each
 * "METHOD /path" route, a list of responses played one per request, the last one repeating.
 * A response is a JSON body ({@code json}), raw text ({@code text}), an SSE stream ({@code sse})
 * or an NDJSON stream ({@code ndjson}), or embeddings computed from the request ({@code embeddings}: {@code vllm},
 * {@code llama_cpp} or {@code ollama}, with {@code dimensions}), or a choice by content ({@code match}: a list of
 * {@code {"contains": text, "then": response}}, the first whose text occurs in the request body is played), with
 * optional {@code status}, {@code headers},
 * {@code delayFirstMs}, {@code delayMs}, {@code cutAfter} (close the connection mid-stream after
 * that many events), {@code closeIdle} (after a whole stream, close the kept-alive connection unannounced,
 * as vLLM and llama.cpp do once it has been idle for their keep-alive timeout) and {@code repeat} (play
 * this response that many times before moving on).
 * Streams are sent chunked, so a cut is a real protocol error on the client side.
 *
 * <p>A stream item {@code {"$gate": "name", "timeoutMs": 10000}} holds the rest of the stream until the
 * test opens that gate ({@link #gate(String)}), or the bound passes: a test can make sure something
 * happened on the client side while the engine was still in the middle of its answer.
 */
public final class EngineSimulator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineSimulator.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A request as the simulator received it. */
    public record Received(String method, String path, Map<String, String> headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final Map<String, Route> routes;
    private final ServerSocket server;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger disconnects = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final Semaphore disconnectSignal = new Semaphore(0);
    private final Thread acceptor;
    /** Each scripted stream is framed once, not per request: a thousand clients share the bytes. */
    private final Map<JsonNode, List<Frame>> rendered = Collections.synchronizedMap(new java.util.IdentityHashMap<>());
    private final Map<String, Gate> gates = new java.util.concurrent.ConcurrentHashMap<>();
    private static final long GATE_BOUND_MS = 10_000;

    /** One item of a stream: bytes to write, or a gate to wait at. */
    private record Frame(byte[] bytes, String gate, long gateMs) {
    }

    /**
     * A point in a scripted stream ({@code {"$gate": "name"}}) where the simulator waits until the test
     * opens it, at most the item's {@code timeoutMs} (10 s by default).
     */
    public static final class Gate {
        private final java.util.concurrent.CountDownLatch opened = new java.util.concurrent.CountDownLatch(1);
        private final java.util.concurrent.CountDownLatch reached = new java.util.concurrent.CountDownLatch(1);
        private volatile boolean passed;
        private volatile boolean timedOut;

        /** Lets the stream go on. */
        public void open() {
            opened.countDown();
        }

        /** Whether a stream is held here now or has been. */
        public boolean reached() {
            return reached.getCount() == 0;
        }

        /** Waits (bounded) until a stream reaches the gate; true if one did. */
        public boolean awaitReached(Duration bound) throws InterruptedException {
            return reached.await(bound.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Whether the stream has gone past the gate (opened or timed out); set before the rest is written. */
        public boolean passed() {
            return passed;
        }

        /** Whether the stream went on because the bound passed, not because the gate was opened. */
        public boolean timedOut() {
            return timedOut;
        }

        void pass(long boundMs) throws InterruptedException {
            reached.countDown();
            timedOut = !opened.await(boundMs, TimeUnit.MILLISECONDS);
            passed = true;
        }
    }

    /** The gate of that name (the same object for every stream that names it). */
    public Gate gate(String name) {
        return gates.computeIfAbsent(name, n -> new Gate());
    }
    private volatile boolean closed;

    private EngineSimulator(Map<String, Route> routes, int port) throws IOException {
        this.routes = routes;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
        this.acceptor = Thread.ofPlatform().daemon().name("engine-sim-accept").start(this::acceptLoop);
    }

    /** Starts a simulator on a free port playing the given script resources (later routes win). */
    public static EngineSimulator start(String... scriptResources) {
        ObjectNode merged = JSON.createObjectNode();
        for (String r : scriptResources) {
            merged.setAll((ObjectNode) load(r).path("routes"));
        }
        return start(merged, 0);
    }

    /** Starts a simulator from a routes object already in memory (for generated scripts). */
    public static EngineSimulator start(JsonNode routes, int port) {
        Map<String, Route> map = new LinkedHashMap<>();
        routes.fields().forEachRemaining(e -> {
            String key = e.getKey().trim();
            if (!key.matches("(GET|POST|PUT|DELETE) /\\S*")) {
                throw new IllegalArgumentException("route '" + key + "': must look like 'POST /v1/chat/completions'");
            }
            if (!e.getValue().isArray() || e.getValue().isEmpty()) {
                throw new IllegalArgumentException("route '" + key + "': must be a non-empty list of responses");
            }
            map.put(key, new Route(key, e.getValue()));
        });
        try {
            return new EngineSimulator(map, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode load(String resource) {
        try (InputStream in = EngineSimulator.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                Path p = Path.of(resource);
                if (Files.exists(p)) {
                    return JSON.readTree(Files.readString(p));
                }
                throw new IllegalArgumentException("simulator script not found: " + resource);
            }
            JsonNode n = JSON.readTree(in);
            if (!n.path("routes").isObject()) {
                throw new IllegalArgumentException(resource + ": missing object 'routes'");
            }
            return n;
        } catch (IOException e) {
            throw new IllegalArgumentException(resource + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    public int port() {
        return server.getLocalPort();
    }

    public List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    /** The requests received on one path, in order. */
    public List<Received> received(String path) {
        return received().stream().filter(r -> r.path().equals(path)).toList();
    }

    /** How many connections clients opened. */
    public int connections() {
        return connections.get();
    }

    /** How many streams the client closed before the simulator finished them. */
    public int disconnects() {
        return disconnects.get();
    }

    /** Waits (bounded) until the client has dropped a stream; true if it did. */
    public boolean awaitDisconnect(Duration bound) throws InterruptedException {
        if (disconnectSignal.tryAcquire(bound.toMillis(), TimeUnit.MILLISECONDS)) {
            disconnectSignal.release();
            return true;
        }
        return false;
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        workers.shutdownNow();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                workers.submit(() -> serve(s));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                // e.g. out of file descriptors under a load test: keep serving the connections we have.
                LOG.warn("simulator accept failed: {}", e.toString());
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    return;
                }
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return;
            }
        }
    }

    /**
     * Serves one connection: requests one after another while the answers end normally (keep-alive, as
     * the engines do), so a client pays for one connection, not one per request.
     */
    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            // buffered: the request is read a byte at a time below, and a system call per byte made the
            // simulator's time grow with the size of a client's headers, which the benchmarks would count
            // against that client
            InputStream in = new java.io.BufferedInputStream(socket.getInputStream(), 8192);
            while (serveOne(socket, in)) {
                // next request on the same connection
            }
        } catch (IOException e) {
            LOG.debug("simulator connection ended: {}", e.toString());
        }
    }

    /** One request and its answer; true when the connection can carry another. */
    private boolean serveOne(Socket socket, InputStream in) throws IOException {
        socket.setSoTimeout(0); // a pause in the last answer set one; an idle kept-alive connection waits without it
        String requestLine = readLine(in);
        if (requestLine == null || requestLine.isEmpty()) {
            return false;
        }
        String[] parts = requestLine.split(" ");
        Map<String, String> headers = new HashMap<>();
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
            int c = line.indexOf(':');
            if (c > 0) {
                headers.put(line.substring(0, c).trim().toLowerCase(Locale.ROOT), line.substring(c + 1).trim());
            }
        }
        String body = readBody(in, headers);
        String path = parts[1];
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        received.add(new Received(parts[0], path, Map.copyOf(headers), body));
        Route route = routes.get(parts[0] + " " + path);
        OutputStream out = socket.getOutputStream();
        if (route == null) {
            writeWhole(out, 404, Map.of(), "application/json",
                    "{\"error\":{\"code\":404,\"message\":\"no route " + parts[0] + " " + path + " in script\"}}");
            return true;
        }
        return play(socket, out, route.next(), body) && !"close".equalsIgnoreCase(headers.get("connection"));
    }

    /** Plays one scripted answer; true when it ended normally (not cut, the client still there). */
    private boolean play(Socket socket, OutputStream out, JsonNode r, String body) throws IOException {
        if (r.has("match")) {
            // A transcript keyed by content: the first case whose text occurs in the request body is played.
            for (JsonNode c : r.get("match")) {
                if (body.contains(c.path("contains").asText("\u0000"))) {
                    return play(socket, out, c.path("then"), body);
                }
            }
            writeWhole(out, 400, Map.of(), "application/json",
                    "{\"error\":{\"code\":400,\"message\":\"no scripted answer matches this request\"}}");
            return true;
        }
        int status = r.path("status").asInt(200);
        Map<String, String> headers = new LinkedHashMap<>();
        r.path("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
        if (r.has("sse") || r.has("ndjson")) {
            boolean sse = r.has("sse");
            if (body.contains("\"stream\":false")) {
                writeWhole(out, 400, Map.of(), "application/json", "{\"error\":{\"code\":400,\"message\":"
                        + "\"simulator script plays a stream but the request had stream:false\"}}");
                return true;
            }
            List<Frame> events = rendered.computeIfAbsent(r, k -> render(k, sse));
            return streamEvents(socket, out, status, headers, sse ? "text/event-stream" : "application/x-ndjson", events,
                    r.path("delayFirstMs").asLong(0), r.path("delayMs").asLong(0), r.path("cutAfter").asInt(-1))
                    && !r.path("closeIdle").asBoolean(false);
        } else if (r.has("embeddings")) {
            if (!pause(socket, r.path("delayFirstMs").asLong(0))) {
                return false;
            }
            writeWhole(out, status, headers, "application/json",
                    JSON.writeValueAsString(embeddings(r.get("embeddings").asText(), r.path("dimensions").asInt(16), body)));
            return true;
        } else if (r.has("json")) {
            if (!pause(socket, r.path("delayFirstMs").asLong(0))) {
                return false;
            }
            writeWhole(out, status, headers, "application/json", JSON.writeValueAsString(r.get("json")));
            return true;
        } else {
            if (!pause(socket, r.path("delayFirstMs").asLong(0))) {
                return false;
            }
            writeWhole(out, status, headers, "text/plain", r.path("text").asText(""));
            return true;
        }
    }

    /** Streams the events as HTTP chunks; true when the stream ended normally (the connection can be reused). */
    private boolean streamEvents(Socket socket, OutputStream out, int status, Map<String, String> headers, String type,
                              List<Frame> events, long delayFirst, long delay, int cutAfter) throws IOException {
        StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " " + reason(status) + "\r\n");
        head.append("Content-Type: ").append(type).append("\r\n");
        head.append("Transfer-Encoding: chunked\r\nConnection: ").append(cutAfter >= 0 ? "close" : "keep-alive").append("\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        int i = 0;
        for (Frame f : events) {
            if (f.gate() != null) {
                try {
                    gate(f.gate()).pass(f.gateMs());
                } catch (InterruptedException e) {
                    return false; // the simulator is closing
                }
                continue;
            }
            if (i == cutAfter) {
                socket.setSoLinger(true, 0); // a reset, as when an engine process dies
                return false;
            }
            if (!pause(socket, i == 0 ? delayFirst : delay)) {
                return false;
            }
            i++;
            try {
                out.write(f.bytes());
                out.flush();
            } catch (IOException e) {
                clientLeft();
                return false;
            }
        }
        try {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return true;
        } catch (IOException e) {
            clientLeft();
            return false;
        }
    }

    /** The events of a stream response as HTTP chunks, ready to write, and its gates. */
    private static List<Frame> render(JsonNode r, boolean sse) {
        List<Frame> events = new ArrayList<>();
        try {
            for (JsonNode e : r.get(sse ? "sse" : "ndjson")) {
                if (e.has("$gate")) {
                    events.add(new Frame(null, e.get("$gate").asText(), e.path("timeoutMs").asLong(GATE_BOUND_MS)));
                    continue;
                }
                // {"$repeat": n, "event": x} stands for n copies of x (long streams without long files).
                int times = e.has("$repeat") ? e.get("$repeat").asInt() : 1;
                JsonNode ev = e.has("$repeat") ? e.get("event") : e;
                String payload = ev.isTextual() ? ev.asText() : JSON.writeValueAsString(ev);
                byte[] data = (sse ? "data: " + payload + "\n\n" : payload + "\n").getBytes(StandardCharsets.UTF_8);
                byte[] head = (Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
                byte[] chunk = new byte[head.length + data.length + 2];
                System.arraycopy(head, 0, chunk, 0, head.length);
                System.arraycopy(data, 0, chunk, head.length, data.length);
                chunk[chunk.length - 2] = '\r';
                chunk[chunk.length - 1] = '\n';
                for (int i = 0; i < times; i++) {
                    events.add(new Frame(chunk, null, 0));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return events;
    }

    /**
     * An embeddings answer computed from the request, in the wire format of {@code vllm} or {@code llama_cpp}
     * ({@code /v1/embeddings}) or {@code ollama} ({@code /api/embed}). Each vector is a normalised bag of hashed
     * words, so the same text gets the same vector and texts sharing words are close: enough to test search.
     */
    static ObjectNode embeddings(String format, int dimensions, String requestBody) throws IOException {
        JsonNode request = JSON.readTree(requestBody);
        List<String> inputs = new ArrayList<>();
        JsonNode input = request.path("input");
        if (input.isArray()) {
            input.forEach(n -> inputs.add(n.asText()));
        } else {
            inputs.add(input.asText());
        }
        String model = request.path("model").asText("");
        int tokens = inputs.stream().mapToInt(t -> t.split("\\s+").length).sum();
        ObjectNode out = JSON.createObjectNode();
        switch (format) {
            case "ollama" -> {
                out.put("model", model);
                var all = out.putArray("embeddings");
                inputs.forEach(t -> {
                    var v = all.addArray();
                    for (float f : hashedWords(t, dimensions)) v.add(f);
                });
                out.put("total_duration", 14143917).put("load_duration", 1019500).put("prompt_eval_count", tokens);
            }
            case "vllm", "llama_cpp" -> {
                if (format.equals("vllm")) {
                    out.put("id", "embd-5f1f0c0e6a2b4c0f9d1e").put("object", "list").put("created", 1767225600).put("model", model);
                } else {
                    out.put("model", model).put("object", "list");
                }
                var data = out.putArray("data");
                for (int i = 0; i < inputs.size(); i++) {
                    ObjectNode item = data.addObject();
                    if (format.equals("vllm")) {
                        item.put("index", i).put("object", "embedding");
                    }
                    var v = item.putArray("embedding");
                    for (float f : hashedWords(inputs.get(i), dimensions)) v.add(f);
                    if (format.equals("llama_cpp")) {
                        item.put("index", i).put("object", "embedding");
                    }
                }
                ObjectNode usage = out.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
                if (format.equals("vllm")) {
                    usage.put("completion_tokens", 0).putNull("prompt_tokens_details");
                }
            }
            default -> throw new IllegalArgumentException("embeddings: unknown format '" + format + "' (vllm, llama_cpp, ollama)");
        }
        return out;
    }

    private static float[] hashedWords(String text, int dimensions) {
        float[] v = new float[dimensions];
        for (String w : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (w.isEmpty()) {
                continue;
            }
            int h = w.hashCode() * 0x9E3779B9;
            v[Math.floorMod(h, dimensions)] += (h & 0x10000) == 0 ? 1f : -1f;
        }
        double norm = 0;
        for (float f : v) norm += f * f;
        if (norm == 0) {
            v[0] = 1f;
            return v;
        }
        float n = (float) Math.sqrt(norm);
        for (int i = 0; i < v.length; i++) v[i] /= n;
        return v;
    }

    /** Waits up to ms while watching the socket: false if the client closed it meanwhile. */
    private boolean pause(Socket socket, long ms) throws IOException {
        if (ms <= 0) {
            return true;
        }
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        InputStream in = socket.getInputStream();
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
            if (left <= 0) {
                return true;
            }
            socket.setSoTimeout((int) Math.max(1, left));
            try {
                if (in.read() < 0) {
                    clientLeft();
                    return false;
                }
            } catch (SocketTimeoutException e) {
                return true;
            } catch (IOException e) {
                clientLeft();
                return false;
            }
        }
    }

    private void clientLeft() {
        disconnects.incrementAndGet();
        disconnectSignal.release();
    }

    private static void writeWhole(OutputStream out, int status, Map<String, String> headers, String type, String body)
            throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " " + reason(status) + "\r\n");
        head.append("Content-Type: ").append(type).append("\r\n");
        head.append("Content-Length: ").append(b.length).append("\r\nConnection: keep-alive\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(b);
        out.flush();
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c < 0 && b.size() == 0) {
            return null;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static String readBody(InputStream in, Map<String, String> headers) throws IOException {
        String length = headers.get("content-length");
        if (length != null) {
            return new String(in.readNBytes(Integer.parseInt(length)), StandardCharsets.UTF_8);
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (true) {
                String size = readLine(in);
                int n = size == null ? 0 : Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    readLine(in);
                    break;
                }
                b.write(in.readNBytes(n));
                readLine(in);
            }
            return b.toString(StandardCharsets.UTF_8);
        }
        return "";
    }

    /** One route's responses, played in order; the last repeats. */
    private static final class Route {
        private final Iterator<JsonNode> plan;
        private JsonNode last;

        Route(String key, JsonNode responses) {
            List<JsonNode> expanded = new ArrayList<>();
            for (JsonNode r : responses) {
                if (r.has("from")) {
                    // {"from": "sim/x.json"} plays the first response of the same route in that script.
                    JsonNode other = load(r.get("from").asText()).path("routes").path(key);
                    if (!other.isArray() || other.isEmpty()) {
                        throw new IllegalArgumentException("'from' " + r.get("from").asText() + ": has no route " + key);
                    }
                    r = other.get(0);
                }
                int times = Math.max(1, r.path("repeat").asInt(1));
                for (int i = 0; i < times; i++) {
                    expanded.add(r);
                }
            }
            this.plan = expanded.iterator();
        }

        synchronized JsonNode next() {
            if (plan.hasNext()) {
                last = plan.next();
            }
            return last;
        }
    }

    /** Runs a simulator from the command line: {@code EngineSimulator [--port N] script.json...}. */
    public static void main(String[] args) throws Exception {
        int port = 0;
        List<String> scripts = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--port")) {
                port = Integer.parseInt(args[++i]);
            } else {
                scripts.add(args[i]);
            }
        }
        ObjectNode merged = JSON.createObjectNode();
        for (String s : scripts) {
            merged.setAll((ObjectNode) load(s).path("routes"));
        }
        EngineSimulator sim = start(merged, port);
        System.out.println("engine simulator listening on " + sim.url()); // the command's output: its address
        Thread.currentThread().join();
    }
}
