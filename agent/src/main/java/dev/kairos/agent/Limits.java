package dev.kairos.agent;

import java.time.Duration;

/**
 * The loop guards of a run: steps, calls per turn and per tool, repeats of one call, tokens and a
 * deadline. {@code tokenBudget} 0 means unbounded.
 */
public record Limits(int maxSteps, int maxCallsPerTurn, int maxCallsPerTool, int maxRepeats, long tokenBudget,
                     Duration deadline) {
    public static final Limits DEFAULTS = new Limits(25, 16, 20, 3, 0, Duration.ofMinutes(10));

    public Limits {
        positive("maxSteps", maxSteps);
        positive("maxCallsPerTurn", maxCallsPerTurn);
        positive("maxCallsPerTool", maxCallsPerTool);
        positive("maxRepeats", maxRepeats);
        if (tokenBudget < 0) {
            throw new IllegalArgumentException("limits.tokenBudget: must be >= 0 (0: unbounded), was " + tokenBudget);
        }
        if (deadline == null || deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("limits.deadline: must be a positive duration, was " + deadline);
        }
    }

    private static void positive(String key, int v) {
        if (v < 1) {
            throw new IllegalArgumentException("limits." + key + ": must be >= 1, was " + v);
        }
    }

    public Limits withMaxSteps(int n) {
        return new Limits(n, maxCallsPerTurn, maxCallsPerTool, maxRepeats, tokenBudget, deadline);
    }

    public Limits withMaxCallsPerTurn(int n) {
        return new Limits(maxSteps, n, maxCallsPerTool, maxRepeats, tokenBudget, deadline);
    }

    public Limits withMaxCallsPerTool(int n) {
        return new Limits(maxSteps, maxCallsPerTurn, n, maxRepeats, tokenBudget, deadline);
    }

    public Limits withMaxRepeats(int n) {
        return new Limits(maxSteps, maxCallsPerTurn, maxCallsPerTool, n, tokenBudget, deadline);
    }

    public Limits withTokenBudget(long n) {
        return new Limits(maxSteps, maxCallsPerTurn, maxCallsPerTool, maxRepeats, n, deadline);
    }

    public Limits withDeadline(Duration d) {
        return new Limits(maxSteps, maxCallsPerTurn, maxCallsPerTool, maxRepeats, tokenBudget, d);
    }
}
