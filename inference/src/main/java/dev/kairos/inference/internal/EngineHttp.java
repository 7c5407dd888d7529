package dev.kairos.inference.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.EngineException;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.Flow;

/** The HTTP side of one endpoint, on the JDK client: status codes become {@link EngineException}s. */
public final class EngineHttp {
    private final HttpClient client;
    private final URI base;
    private final String apiKey;
    private final Duration headersTimeout;

    public EngineHttp(HttpClient client, URI url, String apiKey, Duration headersTimeout) {
        this.client = client;
        this.base = baseOf(url);
        this.apiKey = apiKey;
        this.headersTimeout = headersTimeout;
    }

    /** A client for engines: HTTP/1.1 (engines speak it; no h2c upgrade dance), bounded connect. */
    public static HttpClient newClient(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    /** The server root: a configured ".../v1" suffix is dropped so native paths can be reached too. */
    public static URI baseOf(URI url) {
        String s = url.toString();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.endsWith("/v1")) {
            s = s.substring(0, s.length() - 3);
        }
        return URI.create(s);
    }

    public URI base() {
        return base;
    }

    /** POSTs JSON and returns the whole body of a 2xx answer; other answers throw. */
    public String post(String path, String json) {
        return send(request(path, json, headersTimeout), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /**
     * POSTs JSON and hands the lines of a 2xx answer to {@code lines} on the HTTP client's threads as
     * they arrive; returns when the body has ended. Waiting so costs the caller one wake-up, where reading
     * a body stream cost one per chunk. Interrupting the caller cancels the exchange and closes the
     * connection. An answer that is not 2xx, or a request that could not be sent, throws.
     */
    public void postStreaming(String path, String json, Flow.Subscriber<String> lines) {
        // no request timeout: the caller's first-token guard bounds the wait for the answer's start, and a
        // timeout would cost the HTTP client's selector thread a wake-up on every request
        send(request(path, json, null), info -> info.statusCode() / 100 == 2
                ? HttpResponse.BodySubscribers.fromLineSubscriber(lines, l -> "", StandardCharsets.UTF_8, null)
                : HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8));
    }

    /** Sends and returns the body of a 2xx answer (for a streamed one, nothing of use); other answers throw. */
    private String send(HttpRequest request, HttpResponse.BodyHandler<String> handler) {
        HttpResponse<String> r;
        try {
            r = client.send(request, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException.Cancelled(base);
        } catch (IOException e) {
            throw failure(e);
        }
        if (r.statusCode() / 100 != 2) {
            throw statusError(r.statusCode(), r.headers(), r.body());
        }
        return r.body();
    }

    private HttpRequest request(String path, String json, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(base.getPath() + path))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream, application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (apiKey != null && !apiKey.isBlank()) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        if (timeout != null) {
            b.timeout(timeout);
        }
        return b.build();
    }

    /** GETs a path; returns the status and the body text. Connection failures throw. */
    public Answer get(String path, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(base.getPath() + path)).timeout(timeout).GET();
        if (apiKey != null && !apiKey.isBlank()) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException.Cancelled(base);
        } catch (IOException e) {
            throw new EngineException.ConnectionLost(base, "GET " + path + " failed: " + e, false, e);
        }
    }

    /** A plain answer: status and body. */
    public record Answer(int status, String body) {
        public Optional<JsonNode> json() {
            return Optional.ofNullable(WireJson.tryParse(body)).filter(n -> !n.isMissingNode());
        }
    }

    /** A request that failed before an answer came. */
    private EngineException failure(IOException e) {
        if (e instanceof java.net.http.HttpConnectTimeoutException) {
            // nothing was sent: a retry (and the circuit breaker) should see a failed connection, not a slow answer
            return new EngineException.ConnectionLost(base, "could not connect: " + e.getMessage(), false, e);
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return new EngineException.TimedOut(base, "no response headers within " + headersTimeout.toMillis() + " ms");
        }
        if (e instanceof InterruptedIOException) {
            return new EngineException.Cancelled(base);
        }
        return new EngineException.ConnectionLost(base, "request failed: " + e, false, e);
    }

    /** An answer that is not 2xx: retryable for 429 and 5xx gateways (with Retry-After), rejected otherwise. */
    private EngineException statusError(int status, HttpHeaders headers, String body) {
        String shown = body.length() > 2000 ? body.substring(0, 2000) : body;
        Duration retryAfter = headers.firstValue("Retry-After").map(EngineHttp::parseRetryAfter).orElse(null);
        if (status == 429 || status == 503 || status == 502 || status == 504) {
            return new EngineException.Unavailable(base, status, retryAfter, shown);
        }
        return new EngineException.Rejected(base, status, shown);
    }

    /** Retry-After is either delay-seconds or an HTTP-date. */
    static Duration parseRetryAfter(String v) {
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v.trim())));
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (RuntimeException ignored) {
                return null;
            }
        }
    }
}
