package dev.kairos.bench.mcp;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The markdown tables of a run: one row per server per round, then medians over rounds. */
final class Report {
    private Report() {
    }

    static String markdown(List<String> targets, Map<String, List<PhaseResult>> sequential,
                           Map<String, List<PhaseResult>> concurrent, Map<String, Long> rssAfter,
                           String baseline, int clients) {
        StringBuilder md = new StringBuilder();
        String cN = "c" + clients;
        md.append("| server | seq p50 / p99 ms | seq calls/s | ").append(cN).append(" p50 / p99 ms | ")
                .append(cN).append(" calls/s (min–max) | server CPU µs/call seq / ").append(cN)
                .append(" (").append(cN).append(" min–max) | client CPU µs/call ").append(cN)
                .append(" | RSS after | errors |\n");
        md.append("|---|---|---|---|---|---|---|---|---|\n");
        for (String t : targets) {
            List<PhaseResult> s = sequential.get(t);
            List<PhaseResult> c = concurrent.get(t);
            md.append("| ").append(t)
                    .append(" | ").append(f3(median(s, PhaseResult::p50Millis))).append(" / ").append(f2(median(s, PhaseResult::p99Millis)))
                    .append(" | ").append(f0(median(s, PhaseResult::throughput)))
                    .append(" | ").append(f3(median(c, PhaseResult::p50Millis))).append(" / ").append(f2(median(c, PhaseResult::p99Millis)))
                    .append(" | ").append(f0(median(c, PhaseResult::throughput))).append(range(c, PhaseResult::throughput))
                    .append(" | ").append(f0(median(s, PhaseResult::serverCpuMicrosPerCall))).append(" / ")
                    .append(f0(median(c, PhaseResult::serverCpuMicrosPerCall))).append(range(c, PhaseResult::serverCpuMicrosPerCall))
                    .append(" | ").append(f0(median(c, PhaseResult::clientCpuMicrosPerCall)))
                    .append(" | ").append(rssAfter.getOrDefault(t, -1L) < 0 ? "–" : (rssAfter.get(t) >> 20) + " MiB")
                    .append(" | ").append(errors(s) + errors(c))
                    .append(" |\n");
        }
        if (baseline != null && concurrent.containsKey(baseline)) {
            double base = median(concurrent.get(baseline), PhaseResult::throughput);
            for (String t : targets) {
                if (!t.equals(baseline)) {
                    md.append("\n").append(cN).append(" throughput ").append(t).append(" / ").append(baseline).append(": ")
                            .append(String.format(Locale.ROOT, "%.2f×", median(concurrent.get(t), PhaseResult::throughput) / base))
                            .append(" (medians over rounds)\n");
                }
            }
        }
        md.append("\nPer round (sequential = 1 client, ").append(cN).append(" = ").append(clients).append(" clients):\n\n");
        md.append("| round | server | seq p50 / p99 ms | seq calls/s | seq server µs/call | ").append(cN).append(" p50 / p99 ms | ")
                .append(cN).append(" calls/s | ").append(cN).append(" server µs/call | ").append(cN).append(" client µs/call |\n");
        md.append("|---|---|---|---|---|---|---|---|---|\n");
        int rounds = sequential.get(targets.getFirst()).size();
        for (int r = 0; r < rounds; r++) {
            for (String t : targets) {
                PhaseResult s = sequential.get(t).get(r);
                PhaseResult c = concurrent.get(t).get(r);
                md.append("| ").append(r + 1).append(" | ").append(t)
                        .append(" | ").append(f3(s.p50Millis())).append(" / ").append(f2(s.p99Millis()))
                        .append(" | ").append(f0(s.throughput()))
                        .append(" | ").append(f0(s.serverCpuMicrosPerCall()))
                        .append(" | ").append(f3(c.p50Millis())).append(" / ").append(f2(c.p99Millis()))
                        .append(" | ").append(f0(c.throughput()))
                        .append(" | ").append(f0(c.serverCpuMicrosPerCall()))
                        .append(" | ").append(f0(c.clientCpuMicrosPerCall()))
                        .append(" |\n");
            }
        }
        return md.toString();
    }

    /** " (min–max)", or nothing when unknown. */
    private static String range(List<PhaseResult> rs, ToDoubleFunction<PhaseResult> f) {
        double lo = min(rs, f);
        double hi = max(rs, f);
        return Double.isNaN(lo) || Double.isNaN(hi) ? "" : " (" + f0(lo) + "–" + f0(hi) + ")";
    }

    private static long errors(List<PhaseResult> rs) {
        return rs.stream().mapToLong(PhaseResult::errors).sum();
    }

    static double median(List<PhaseResult> rs, ToDoubleFunction<PhaseResult> f) {
        double[] v = rs.stream().mapToDouble(f).toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static double min(List<PhaseResult> rs, ToDoubleFunction<PhaseResult> f) {
        return rs.stream().mapToDouble(f).min().orElse(Double.NaN);
    }

    private static double max(List<PhaseResult> rs, ToDoubleFunction<PhaseResult> f) {
        return rs.stream().mapToDouble(f).max().orElse(Double.NaN);
    }

    private static String f0(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.0f", v);
    }

    private static String f2(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String f3(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.3f", v);
    }
}
