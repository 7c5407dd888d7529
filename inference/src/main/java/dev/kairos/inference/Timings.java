package dev.kairos.inference;

import java.time.Duration;

/** How long one call took, measured on our side: time to first token and the whole call. */
public record Timings(Duration timeToFirstToken, Duration total, int completionTokens) {
    public static final Timings NONE = new Timings(Duration.ZERO, Duration.ZERO, 0);

    /** Completion tokens per second after the first token; zero when it cannot be told. */
    public double tokensPerSecond() {
        Duration generating = total.minus(timeToFirstToken);
        if (completionTokens <= 0 || generating.isZero() || generating.isNegative()) {
            return 0;
        }
        return completionTokens / (generating.toNanos() / 1e9);
    }
}
