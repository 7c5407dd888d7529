package dev.kairos.bench.tools;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Wall times of repeated measurements, in milliseconds, and what the tool and agent benchmarks
 * report from them: median, min, max, and efficiency against an ideal time.
 */
public record Timings(List<Double> millis) {
    public Timings {
        if (millis == null || millis.isEmpty()) {
            throw new IllegalArgumentException("timings: at least one measurement is needed");
        }
        for (double m : millis) {
            if (!(m >= 0) || Double.isInfinite(m)) {
                throw new IllegalArgumentException("timings: " + m + " ms is not a duration");
            }
        }
        List<Double> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        millis = List.copyOf(sorted);
    }

    public static Timings of(List<Double> millis) {
        return new Timings(millis);
    }

    public double min() {
        return millis.getFirst();
    }

    public double max() {
        return millis.getLast();
    }

    /** The middle value; the mean of the two middle values for an even count. */
    public double median() {
        int n = millis.size();
        return n % 2 == 1 ? millis.get(n / 2) : (millis.get(n / 2 - 1) + millis.get(n / 2)) / 2;
    }

    /**
     * The ideal time over the measured one, as a percentage: 100 when a batch of calls that each take
     * {@code idealMillis} finishes in that time (all ran at once), 50 when it takes twice as long.
     */
    public static double efficiency(double idealMillis, double measuredMillis) {
        if (!(idealMillis > 0) || !(measuredMillis > 0)) {
            throw new IllegalArgumentException("efficiency: times must be positive, got ideal " + idealMillis
                    + " ms and measured " + measuredMillis + " ms");
        }
        return 100 * idealMillis / measuredMillis;
    }

    /** "median (min–max)" with one decimal. */
    public String summary() {
        return String.format(Locale.ROOT, "%.1f (%.1f–%.1f)", median(), min(), max());
    }
}
