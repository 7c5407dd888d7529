package dev.kairos.inference;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts tokens, calls and speeds per endpoint, for metrics and for {@code kairos engines} output. */
public final class UsageMeter {
    private final Map<String, Counters> byEndpoint = new ConcurrentHashMap<>();

    /** Totals of one endpoint since start. */
    public record EndpointUsage(String endpoint, long calls, long failures, long promptTokens, long completionTokens,
                                Duration timeToFirstTokenSum, Duration generatingSum) {
        public Duration meanTimeToFirstToken() {
            return calls == 0 ? Duration.ZERO : timeToFirstTokenSum.dividedBy(calls);
        }

        /** Completion tokens per second of generation (after the first token), over all calls. */
        public double tokensPerSecond() {
            return generatingSum.isZero() ? 0 : completionTokens / (generatingSum.toNanos() / 1e9);
        }
    }

    private static final class Counters {
        final LongAdder calls = new LongAdder();
        final LongAdder failures = new LongAdder();
        final LongAdder prompt = new LongAdder();
        final LongAdder completion = new LongAdder();
        final LongAdder ttftNanos = new LongAdder();
        final LongAdder generatingNanos = new LongAdder();
    }

    public void record(String endpoint, ChatResponse response) {
        Counters c = byEndpoint.computeIfAbsent(endpoint, k -> new Counters());
        c.calls.increment();
        c.prompt.add(response.usage().promptTokens());
        c.completion.add(response.usage().completionTokens());
        Timings t = response.timings();
        c.ttftNanos.add(t.timeToFirstToken().toNanos());
        c.generatingNanos.add(Math.max(0, t.total().minus(t.timeToFirstToken()).toNanos()));
    }

    public void failure(String endpoint) {
        byEndpoint.computeIfAbsent(endpoint, k -> new Counters()).failures.increment();
    }

    /** Per endpoint, sorted by name. */
    public Map<String, EndpointUsage> snapshot() {
        Map<String, EndpointUsage> out = new TreeMap<>();
        byEndpoint.forEach((name, c) -> out.put(name, new EndpointUsage(name, c.calls.sum(), c.failures.sum(),
                c.prompt.sum(), c.completion.sum(), Duration.ofNanos(c.ttftNanos.sum()),
                Duration.ofNanos(c.generatingNanos.sum()))));
        return out;
    }
}
