package dev.kairos.inference.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.inference.EngineException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The HTTP side of one endpoint: blocking HTTP/1.1 exchanges with the JDK's {@link HttpURLConnection}
 * (kept-alive connections, chunked bodies), always on a virtual thread, where an interrupt closes the
 * socket, so interrupting the caller cancels the exchange and frees the engine's slot. A caller on a
 * platform thread is served by a virtual thread it waits for. Status codes become {@link EngineException}s.
 *
 * <p>Why not the JDK's {@code java.net.http.HttpClient}: each of its requests passes between its
 * selector thread, its executor and the caller, a few hundred microseconds per request on a small
 * machine; a blocking exchange on the caller's virtual thread costs a fraction of that (see the agent
 * step figures in docs/benchmarks.md). Engines speak HTTP/1.1, so nothing of HTTP/2 is lost.
 */
public final class EngineHttp {
    private final URI base;
    private final String apiKey;
    private final Duration connectTimeout;
    private final Duration readTimeout;

    /**
     * @param readTimeout bounds each wait for bytes of a whole (not streamed) answer; a streamed answer's
     *                    waits are bounded by its caller's guards instead (first token, total limit)
     */
    public EngineHttp(URI url, String apiKey, Duration connectTimeout, Duration readTimeout) {
        this.base = baseOf(url);
        this.apiKey = apiKey;
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
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

    /** Reads an answer's body as it arrives. */
    @FunctionalInterface
    public interface BodyReader<T> {
        T read(InputStream body) throws IOException;
    }

    /** POSTs JSON and returns the whole body of a 2xx answer; other answers throw. */
    public String post(String path, String json) {
        return exchange("POST", path, json, readTimeout, true, EngineHttp::text).body();
    }

    /**
     * POSTs JSON and hands the body of a 2xx answer to {@code reader}, on this thread if it is virtual,
     * as the bytes arrive; returns what the reader returns. The reader should read the body to its end,
     * so that the connection is kept for the next request. An answer that is not 2xx, or a request that
     * could not be sent, throws; so does an exception of the reader, after closing the connection.
     */
    public <T> T postStreaming(String path, String json, BodyReader<T> reader) {
        // no read timeout: the caller's guards bound the waits of a streamed answer, whose pauses
        // (a model thinking, a long prompt's prefill) have no fixed bound of their own
        return exchange("POST", path, json, null, true, reader).body();
    }

    /** GETs a path; returns the status and the body text. Connection failures throw. */
    public Answer get(String path) {
        Result<String> r = exchange("GET", path, null, readTimeout, false, EngineHttp::text);
        return new Answer(r.status(), r.body());
    }

    /** POSTs JSON; returns the status and the body text, whatever the status. Connection failures throw. */
    public Answer postForAnswer(String path, String json) {
        Result<String> r = exchange("POST", path, json, readTimeout, false, EngineHttp::text);
        return new Answer(r.status(), r.body());
    }

    /** A plain answer: status and body. */
    public record Answer(int status, String body) {
        public Optional<JsonNode> json() {
            return Optional.ofNullable(WireJson.tryParse(body)).filter(n -> !n.isMissingNode());
        }
    }

    private record Result<T>(int status, T body) {
    }

    /**
     * One exchange on a virtual thread. With {@code only2xx} another status throws (its body read as
     * text); without, every answer's body goes to {@code reader}.
     */
    private <T> Result<T> exchange(String method, String path, String json, Duration readLimit, boolean only2xx,
                                   BodyReader<T> reader) {
        return onVirtualThread(() -> {
            HttpURLConnection c = (HttpURLConnection) base.resolve(base.getPath() + path).toURL()
                    .openConnection(Proxy.NO_PROXY); // like the JDK's HttpClient: no system proxy for engines
            c.setConnectTimeout(millis(connectTimeout));
            c.setReadTimeout(readLimit == null ? 0 : millis(readLimit));
            c.setInstanceFollowRedirects(false);
            c.setUseCaches(false);
            c.setRequestMethod(method);
            c.setRequestProperty("Accept", "application/json, text/event-stream, application/x-ndjson");
            if (apiKey != null && !apiKey.isBlank()) {
                c.setRequestProperty("Authorization", "Bearer " + apiKey);
            }
            if (json != null) {
                // buffered, not fixed-length streaming: headers and body then leave in one write (a separate
                // small body write waits on the peer's delayed ACK) and a kept-alive connection the engine
                // closed meanwhile is retried once on a fresh one
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", "application/json");
            }
            boolean kept = false;
            try {
                try {
                    c.connect();
                } catch (IOException e) {
                    // nothing was sent: a retry (and the circuit breaker) should see a failed connection, not a slow answer
                    throw interruptedOr(new EngineException.ConnectionLost(base, "could not connect: " + e.getMessage(), false, e));
                }
                if (json != null) {
                    try (OutputStream out = c.getOutputStream()) {
                        out.write(json.getBytes(StandardCharsets.UTF_8));
                    }
                }
                int status = c.getResponseCode();
                if (status / 100 != 2 && only2xx) {
                    String body;
                    try (InputStream err = c.getErrorStream()) {
                        body = err == null ? "" : text(err);
                    }
                    kept = true; // the error body was read whole
                    throw statusError(status, c.getHeaderField("Retry-After"), body);
                }
                T body;
                InputStream in = status / 100 == 2 ? c.getInputStream() : c.getErrorStream();
                try (in) {
                    body = in == null ? reader.read(InputStream.nullInputStream()) : reader.read(in);
                }
                kept = true;
                return new Result<>(status, body);
            } catch (SocketTimeoutException e) {
                throw interruptedOr(new EngineException.TimedOut(base, method + " " + path + ": no answer within "
                        + (readLimit == null ? 0 : readLimit.toMillis()) + " ms"));
            } catch (IOException e) {
                throw interruptedOr(new EngineException.ConnectionLost(base, method + " " + path + " failed: " + e, false, e));
            } finally {
                if (!kept) {
                    c.disconnect(); // a half-read or failed exchange must not leave its connection for the next request
                }
            }
        });
    }

    /** Runs on this thread if it is virtual, else on a virtual thread this one waits for, passing on an interrupt. */
    private <T> T onVirtualThread(Callable<T> task) {
        if (Thread.currentThread().isVirtual()) {
            return call(task);
        }
        FutureTask<T> f = new FutureTask<>(() -> call(task));
        Thread t = Thread.ofVirtual().name("kairos-engine-call").start(f);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    // the interrupt closes the exchange's socket, so the task ends at once
                    interrupted = true;
                    t.interrupt();
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static <T> T call(Callable<T> task) {
        try {
            return task.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** An interrupt closed the socket: the call was cancelled, whatever the socket said about it. */
    private EngineException interruptedOr(EngineException e) {
        return Thread.currentThread().isInterrupted() ? new EngineException.Cancelled(base) : e;
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    private static String text(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    /** An answer that is not 2xx: retryable for 429 and 5xx gateways (with Retry-After), rejected otherwise. */
    private EngineException statusError(int status, String retryAfterHeader, String body) {
        String shown = body.length() > 2000 ? body.substring(0, 2000) : body;
        Duration retryAfter = retryAfterHeader == null ? null : parseRetryAfter(retryAfterHeader);
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
