package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.InetAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The JDK {@link HttpClient} under the SDK's Streamable HTTP client transport, adding what SDK 2.1
 * (and 2.2) leave out:
 * <ul>
 *   <li><b>SSE resumption (SEP-1699).</b> When the server ends the SSE stream of a POST before it has
 *   sent the JSON-RPC response, the client waits the stream's {@code retry} interval and resumes with
 *   a GET carrying {@code Last-Event-ID}; what that GET delivers is spliced into the POST's stream, so
 *   the SDK sees one stream and the pending request gets its answer.</li>
 *   <li><b>The status of each POST</b>, so the spec's fallback rule (400/404/405 on the first POST means a
 *   legacy SSE server) is decided on the status code, not on the wording of an error message.</li>
 *   <li><b>Each 404 to a request that carried our session id</b>: the server has forgotten the session (it
 *   restarted), which the connection learns from a count rather than from the SDK's own attempts to
 *   recover.</li>
 * </ul>
 * Only responses read with {@code BodyHandlers.ofPublisher()} are resumed (the SDK reads all of its
 * responses that way); everything else passes through untouched.
 */
public final class ResumingHttpClient extends HttpClient {
    private static final Logger LOG = LoggerFactory.getLogger(ResumingHttpClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Used when the stream named no retry interval. */
    static final Duration DEFAULT_RETRY = Duration.ofSeconds(1);
    /** A server may not make us wait longer than this between tries. */
    static final Duration MAX_RETRY = Duration.ofSeconds(30);
    /** Reconnections in a row that bring no new event before we stop and let the call's own deadline end it. */
    static final int MAX_EMPTY_RESUMES = 5;
    // headers the JDK sets itself and refuses from callers
    private static final Set<String> NOT_COPIED = Set.of("content-length", "content-type", "connection", "expect",
            "host", "upgrade", "accept", "last-event-id");

    private final HttpClient delegate;
    private final Observed observed;

    /**
     * What the client saw.
     *
     * @param lastPostStatus the status of the last POST answered (-1 before the first)
     * @param sessionLosses  how many requests that carried an {@code Mcp-Session-Id} were answered 404
     */
    public record Observed(AtomicInteger lastPostStatus, AtomicLong sessionLosses, Set<String> rejectedRequests) {
        public Observed() {
            this(new AtomicInteger(-1), new AtomicLong(), ConcurrentHashMap.newKeySet());
        }

        /**
         * Whether the POST that carried the JSON-RPC request {@code id} was answered 404 for our session:
         * the server never processed it, so it may be sent again on a new session. Asks once per id.
         */
        public boolean rejected(Object id) {
            return id != null && rejectedRequests.remove(String.valueOf(id));
        }

        void saw(HttpRequest request, int status) {
            if ("POST".equals(request.method())) {
                lastPostStatus.set(status);
            }
            if (status == 404 && request.headers().firstValue("Mcp-Session-Id").isPresent()) {
                sessionLosses.incrementAndGet();
                String id = "POST".equals(request.method()) ? requestId(request) : null;
                if (id != null && rejectedRequests.size() < 1000) {
                    rejectedRequests.add(id);
                }
            }
        }
    }

    /** The JSON-RPC id of the request in a POST's body (the SDK's bodies are in memory), or null. */
    static String requestId(HttpRequest request) {
        if (request.bodyPublisher().isEmpty()) {
            return null;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean[] complete = {false};
        request.bodyPublisher().get().subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer b) {
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.writeBytes(chunk);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onComplete() {
                complete[0] = true;
            }
        });
        if (!complete[0]) {
            return null; // not an in-memory body: we do not wait for it
        }
        try {
            JsonNode n = JSON.readTree(bytes.toByteArray());
            return n != null && n.isObject() && n.has("method") && n.hasNonNull("id") ? n.get("id").asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private ResumingHttpClient(HttpClient delegate, Observed observed) {
        this.delegate = delegate;
        this.observed = observed;
    }

    /**
     * A builder for the SDK transport's {@code clientBuilder(...)}: it configures a plain JDK client
     * and wraps it; what the client sees goes to {@code observed}.
     */
    public static HttpClient.Builder newBuilder(Observed observed) {
        return new Builder(HttpClient.newBuilder(), observed);
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        HttpResponse<T> r = delegate.send(request, handler);
        observed.saw(request, r.statusCode());
        return r;
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        return intercept(request, delegate.sendAsync(request, handler));
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                            HttpResponse.PushPromiseHandler<T> push) {
        return intercept(request, delegate.sendAsync(request, handler, push));
    }

    private <T> CompletableFuture<HttpResponse<T>> intercept(HttpRequest request, CompletableFuture<HttpResponse<T>> sent) {
        CompletableFuture<HttpResponse<T>> out = sent.thenApply(r -> {
            observed.saw(request, r.statusCode());
            return "POST".equals(request.method()) ? resumable(request, r) : r;
        });
        // the SDK cancels the future to abort the exchange: pass that on to the JDK's own future
        out.whenComplete((r, e) -> {
            if (e instanceof CancellationException) {
                sent.cancel(true);
            }
        });
        return out;
    }

    @SuppressWarnings("unchecked")
    private <T> HttpResponse<T> resumable(HttpRequest post, HttpResponse<T> r) {
        if (r.statusCode() != 200 || !isEventStream(r.headers()) || !(r.body() instanceof Flow.Publisher<?> body)) {
            return r;
        }
        // the body came from BodyHandlers.ofPublisher(), the only JDK handler whose body is a Flow.Publisher
        Flow.Publisher<List<ByteBuffer>> first = (Flow.Publisher<List<ByteBuffer>>) body;
        SseScan scan = new SseScan();
        Flux<List<ByteBuffer>> whole = Flux.concat(JdkFlowAdapter.flowPublisherToFlux(first).doOnNext(scan::accept),
                Flux.defer(() -> resume(post, scan, 1)));
        return new Spliced<>(r, (T) JdkFlowAdapter.publisherToFlowPublisher(whole));
    }

    private Flux<List<ByteBuffer>> resume(HttpRequest post, SseScan scan, int attempt) {
        if (scan.answered() || scan.lastEventId() == null || attempt > MAX_EMPTY_RESUMES) {
            if (!scan.answered() && scan.lastEventId() != null) {
                LOG.warn("{}: gave up resuming an SSE stream after {} reconnections without news", post.uri(), attempt - 1);
            }
            return Flux.empty();
        }
        long before = scan.events();
        String lastId = scan.lastEventId();
        HttpRequest get = resumeRequest(post, lastId);
        LOG.debug("{}: the stream ended before the response; resuming after event {} in {} ms", post.uri(), lastId,
                scan.retry().toMillis());
        return Mono.delay(scan.retry())
                .then(Mono.fromFuture(() -> delegate.sendAsync(get, HttpResponse.BodyHandlers.ofPublisher())))
                .flatMapMany(r -> {
                    if (r.statusCode() != 200 || !isEventStream(r.headers())) {
                        LOG.debug("{}: resuming with GET got HTTP {}", post.uri(), r.statusCode());
                        return JdkFlowAdapter.flowPublisherToFlux(r.body()).thenMany(Flux.<List<ByteBuffer>>empty())
                                .onErrorResume(e -> Flux.empty());
                    }
                    return JdkFlowAdapter.flowPublisherToFlux(r.body()).doOnNext(scan::accept)
                            .takeUntil(x -> scan.answered());
                })
                .onErrorResume(IOException.class, e -> {
                    LOG.debug("{}: resuming failed: {}", post.uri(), e.toString());
                    return Flux.empty();
                })
                .concatWith(Flux.defer(() -> resume(post, scan, scan.events() > before ? 1 : attempt + 1)));
    }

    /** The GET that resumes a POST's stream: the same headers (session, protocol version, auth) and Last-Event-ID. */
    static HttpRequest resumeRequest(HttpRequest post, String lastEventId) {
        HttpRequest.Builder b = HttpRequest.newBuilder(post.uri()).GET();
        post.version().ifPresent(b::version);
        post.headers().map().forEach((name, values) -> {
            if (!NOT_COPIED.contains(name.toLowerCase())) {
                values.forEach(v -> b.header(name, v));
            }
        });
        return b.header("Accept", "text/event-stream").header("Last-Event-ID", lastEventId).build();
    }

    private static boolean isEventStream(HttpHeaders h) {
        return h.firstValue("Content-Type").map(v -> v.toLowerCase().startsWith("text/event-stream")).orElse(false);
    }

    /**
     * Reads an SSE byte stream as it passes (without consuming it): the last event id, the retry
     * interval, how many events came, and whether one of them was a JSON-RPC response.
     */
    static final class SseScan {
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private final StringBuilder data = new StringBuilder();
        private volatile String lastEventId;
        private volatile Duration retry = DEFAULT_RETRY;
        private volatile long events;
        private volatile boolean answered;

        synchronized void accept(List<ByteBuffer> buffers) {
            for (ByteBuffer b : buffers) {
                for (int i = b.position(); i < b.limit(); i++) {
                    byte c = b.get(i);
                    if (c == '\n') {
                        line(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                    } else {
                        line.write(c);
                    }
                }
            }
        }

        private void line(String raw) {
            String l = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            if (l.isEmpty()) {
                dispatch();
                return;
            }
            if (l.startsWith(":")) {
                return;
            }
            int colon = l.indexOf(':');
            String field = colon < 0 ? l : l.substring(0, colon);
            String value = colon < 0 ? "" : l.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "id" -> {
                    if (value.indexOf('\0') < 0) {
                        lastEventId = value;
                    }
                }
                case "retry" -> {
                    if (!value.isEmpty() && value.chars().allMatch(Character::isDigit) && value.length() < 10) {
                        Duration d = Duration.ofMillis(Long.parseLong(value));
                        retry = d.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : d;
                    }
                }
                case "data" -> data.append(value).append('\n');
                default -> {
                }
            }
        }

        private void dispatch() {
            if (data.isEmpty()) {
                return;
            }
            String payload = data.substring(0, data.length() - 1);
            data.setLength(0);
            if (payload.isBlank()) {
                return;
            }
            events++;
            try {
                JsonNode n = JSON.readTree(payload);
                if (isResponse(n) || (n.isArray() && n.size() > 0 && isResponse(n.get(0)))) {
                    answered = true;
                }
            } catch (IOException e) {
                // not JSON: the SDK reports it; it is no response either way
            }
        }

        private static boolean isResponse(JsonNode n) {
            return n.isObject() && n.has("id") && !n.has("method") && (n.has("result") || n.has("error"));
        }

        String lastEventId() {
            return lastEventId;
        }

        Duration retry() {
            return retry;
        }

        long events() {
            return events;
        }

        boolean answered() {
            return answered;
        }
    }

    /** The POST's response with its body replaced by the resumable one. */
    private record Spliced<T>(HttpResponse<T> original, T body) implements HttpResponse<T> {
        @Override
        public int statusCode() {
            return original.statusCode();
        }

        @Override
        public HttpRequest request() {
            return original.request();
        }

        @Override
        public Optional<HttpResponse<T>> previousResponse() {
            return original.previousResponse();
        }

        @Override
        public HttpHeaders headers() {
            return original.headers();
        }

        @Override
        public Optional<SSLSession> sslSession() {
            return original.sslSession();
        }

        @Override
        public URI uri() {
            return original.uri();
        }

        @Override
        public Version version() {
            return original.version();
        }
    }

    // --- plain delegation -------------------------------------------------------------------------

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return delegate.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return delegate.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return delegate.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return delegate.proxy();
    }

    @Override
    public SSLContext sslContext() {
        return delegate.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return delegate.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return delegate.authenticator();
    }

    @Override
    public Version version() {
        return delegate.version();
    }

    @Override
    public Optional<Executor> executor() {
        return delegate.executor();
    }

    @Override
    public void shutdown() {
        delegate.shutdown();
    }

    @Override
    public void shutdownNow() {
        delegate.shutdownNow();
    }

    @Override
    public boolean awaitTermination(Duration duration) throws InterruptedException {
        return delegate.awaitTermination(duration);
    }

    @Override
    public boolean isTerminated() {
        return delegate.isTerminated();
    }

    @Override
    public void close() {
        delegate.close();
    }

    /** Configures the JDK client and builds it wrapped. */
    private record Builder(HttpClient.Builder inner, Observed observed) implements HttpClient.Builder {
        @Override
        public HttpClient.Builder cookieHandler(CookieHandler h) {
            inner.cookieHandler(h);
            return this;
        }

        @Override
        public HttpClient.Builder connectTimeout(Duration d) {
            inner.connectTimeout(d);
            return this;
        }

        @Override
        public HttpClient.Builder sslContext(SSLContext c) {
            inner.sslContext(c);
            return this;
        }

        @Override
        public HttpClient.Builder sslParameters(SSLParameters p) {
            inner.sslParameters(p);
            return this;
        }

        @Override
        public HttpClient.Builder executor(Executor e) {
            inner.executor(e);
            return this;
        }

        @Override
        public HttpClient.Builder followRedirects(Redirect r) {
            inner.followRedirects(r);
            return this;
        }

        @Override
        public HttpClient.Builder version(Version v) {
            inner.version(v);
            return this;
        }

        @Override
        public HttpClient.Builder priority(int p) {
            inner.priority(p);
            return this;
        }

        @Override
        public HttpClient.Builder proxy(ProxySelector p) {
            inner.proxy(p);
            return this;
        }

        @Override
        public HttpClient.Builder authenticator(Authenticator a) {
            inner.authenticator(a);
            return this;
        }

        @Override
        public HttpClient.Builder localAddress(InetAddress a) {
            inner.localAddress(a);
            return this;
        }

        @Override
        public HttpClient build() {
            return new ResumingHttpClient(inner.build(), observed);
        }
    }
}
