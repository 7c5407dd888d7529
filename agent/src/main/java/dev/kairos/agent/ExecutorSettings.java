package dev.kairos.agent;

import java.time.Duration;

/**
 * Bounds of the parallel executor.
 *
 * @param maxConcurrency       calls in flight at once over all servers
 * @param perServerConcurrency calls in flight at once to one server, unless its config says otherwise
 * @param defaultTimeout       a call's timeout when neither the server nor the tool sets one
 * @param maxResultChars       the longest result text the model gets; longer ones are cut with a note
 * @param maxAttempts          tries of a retryable call (1 = no retry)
 * @param retryBackoff         the first wait between tries; it doubles each time
 * @param breakerFailureRate   percent of failed calls (unreachable, timed out) that opens a server's breaker
 * @param breakerWindow        calls the failure rate is measured over
 * @param breakerOpenFor       how long an open breaker answers at once before it lets a call try again
 */
public record ExecutorSettings(int maxConcurrency, int perServerConcurrency, Duration defaultTimeout,
                               int maxResultChars, int maxAttempts, Duration retryBackoff,
                               float breakerFailureRate, int breakerWindow, Duration breakerOpenFor) {
    public ExecutorSettings {
        if (maxConcurrency < 1 || perServerConcurrency < 1 || maxAttempts < 1 || maxResultChars < 1 || breakerWindow < 1) {
            throw new IllegalArgumentException("executor bounds must be at least 1");
        }
    }

    /** 64 calls at once, 16 per server, 60 s per call, 100,000 characters, 3 tries from 200 ms, breaker at 50% of 10. */
    public static ExecutorSettings defaults() {
        return new ExecutorSettings(64, 16, Duration.ofSeconds(60), 100_000, 3, Duration.ofMillis(200),
                50f, 10, Duration.ofSeconds(30));
    }

    public ExecutorSettings withDefaultTimeout(Duration timeout) {
        return new ExecutorSettings(maxConcurrency, perServerConcurrency, timeout, maxResultChars, maxAttempts,
                retryBackoff, breakerFailureRate, breakerWindow, breakerOpenFor);
    }
}
