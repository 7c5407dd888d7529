package dev.kairos.bench.mcp;

import org.HdrHistogram.Histogram;

/**
 * What one measured phase against one server gave.
 *
 * @param latency        round-trip times in nanoseconds, POST written to reply parsed
 * @param serverCpuNanos server user+system CPU during the phase, or -1 when the pid is unknown
 * @param clientCpuNanos this load client's CPU during the phase
 * @param firstError     the first failure seen, or null
 */
record PhaseResult(String target, int clients, long calls, long errors, long elapsedNanos, Histogram latency,
                   long serverCpuNanos, long clientCpuNanos, String firstError) {

    double throughput() {
        return elapsedNanos == 0 ? 0 : calls * 1e9 / elapsedNanos;
    }

    double p50Millis() {
        return latency.getValueAtPercentile(50) / 1e6;
    }

    double p99Millis() {
        return latency.getValueAtPercentile(99) / 1e6;
    }

    /** Server CPU microseconds per call, NaN when unknown. */
    double serverCpuMicrosPerCall() {
        return serverCpuNanos < 0 || calls == 0 ? Double.NaN : serverCpuNanos / 1e3 / calls;
    }

    double clientCpuMicrosPerCall() {
        return calls == 0 ? Double.NaN : clientCpuNanos / 1e3 / calls;
    }
}
