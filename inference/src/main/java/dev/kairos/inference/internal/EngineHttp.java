package dev.kairos.inference.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.EngineException;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

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

    /** POSTs JSON and returns the open body stream of a 2xx answer; other answers throw. */
    public InputStream post(String path, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(base.getPath() + path))
                .timeout(headersTimeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream, application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (apiKey != null && !apiKey.isBlank()) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return send(b.build());
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

    private InputStream send(HttpRequest request) {
        HttpResponse<InputStream> r;
        try {
            r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException.Cancelled(base);
        } catch (java.net.http.HttpConnectTimeoutException e) {
            // nothing was sent: a retry (and the circuit breaker) should see a failed connection, not a slow answer
            throw new EngineException.ConnectionLost(base, "could not connect: " + e.getMessage(), false, e);
        } catch (java.net.http.HttpTimeoutException e) {
            throw new EngineException.TimedOut(base, "no response headers within " + headersTimeout.toMillis() + " ms");
        } catch (InterruptedIOException e) {
            throw new EngineException.Cancelled(base);
        } catch (IOException e) {
            throw new EngineException.ConnectionLost(base, "request failed: " + e, false, e);
        }
        int status = r.statusCode();
        if (status / 100 == 2) {
            return r.body();
        }
        String body = readSmall(r.body());
        Duration retryAfter = r.headers().firstValue("Retry-After").map(EngineHttp::parseRetryAfter).orElse(null);
        if (status == 429 || status == 503 || status == 502 || status == 504) {
            throw new EngineException.Unavailable(base, status, retryAfter, body);
        }
        throw new EngineException.Rejected(base, status, body);
    }

    private static String readSmall(InputStream in) {
        try (in) {
            byte[] b = in.readNBytes(2000);
            return new String(b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(body unreadable: " + e.getMessage() + ")";
        }
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
