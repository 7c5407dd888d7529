package dev.kairos.bench.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The MCP round-trip benchmark client: {@code tools/call echo} over Streamable HTTP against several
 * servers in the same run, warm-up first, then rounds that alternate the servers. A target named in
 * {@code --stateless} is driven with the stateless 2026-07-28 revision (no session, {@code _meta} and
 * the {@code Mcp-*} headers on every POST); the same server may be a target twice, once per revision.
 */
@Command(name = "mcp-roundtrip", mixinStandardHelpOptions = true,
        description = "Closed-loop tools/call echo round trips over Streamable HTTP; prints a markdown table on stdout.")
public final class RoundTripBench implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RoundTripBench.class);

    @Option(names = "--target", required = true, paramLabel = "NAME=URL[@PID]",
            description = "A server: name=http://127.0.0.1:port/mcp, with @pid for its CPU from /proc. Repeat for each server.")
    List<String> targetSpecs;

    @Option(names = "--stateless", paramLabel = "NAME",
            description = "Drive this --target with the stateless 2026-07-28 revision instead of a session. Repeat for each.")
    List<String> statelessNames = new ArrayList<>();

    @Option(names = "--baseline", description = "Target the throughput ratios are against (default: the last one).")
    String baseline;

    @Option(names = "--warmup-seconds", defaultValue = "60",
            description = "Concurrent warm-up per server; a JVM on 2 cores needs about a minute of load to finish JIT (default ${DEFAULT-VALUE}).")
    int warmupSeconds;

    @Option(names = "--rewarm-seconds", defaultValue = "3",
            description = "Unreported load right before each measured phase, so a server that sat idle while the others ran is hot again (default ${DEFAULT-VALUE}).")
    int rewarmSeconds;

    @Option(names = "--rounds", defaultValue = "3", description = "Measured rounds (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--seq-calls", defaultValue = "3000", description = "Calls of the 1-client sequential phase (default ${DEFAULT-VALUE}).")
    long seqCalls;

    @Option(names = "--seq-max-seconds", defaultValue = "60", description = "Time bound of the sequential phase (default ${DEFAULT-VALUE}).")
    int seqMaxSeconds;

    @Option(names = "--clients", defaultValue = "16", description = "Clients of the concurrent phase (default ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--seconds", defaultValue = "10", description = "Length of the concurrent phase (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--max-calls-per-client", defaultValue = "10000000", description = "Call bound per client in the concurrent phase.")
    long maxCallsPerClient;

    @Option(names = "--timeout-seconds", defaultValue = "10", description = "Bound on connect and on each read (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--clk-tck", defaultValue = "100", description = "Kernel clock ticks per second, getconf CLK_TCK (default ${DEFAULT-VALUE}).")
    long clkTck;

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new RoundTripBench());
        // A failed run is explained in one line (which server, what went wrong), not a stack trace.
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            log.error("benchmark failed: {}", e.getMessage());
            log.debug("cause", e);
            return 1;
        });
        System.exit(cli.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        validate();
        List<Target> targets;
        try {
            targets = targetSpecs.stream().map(s -> Target.parse(s, clkTck)).toList();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
        }
        List<String> names = targets.stream().map(Target::name).toList();
        if (names.stream().distinct().count() != names.size()) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--target names must differ: " + names);
        }
        for (String s : statelessNames) {
            if (!names.contains(s)) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--stateless " + s + " is not a --target name " + names);
            }
        }
        targets = targets.stream().map(t -> statelessNames.contains(t.name()) ? t.asStateless() : t).toList();
        String base = baseline != null ? baseline : names.getLast();
        if (!names.contains(base)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--baseline " + base + " is not a --target name " + names);
        }
        var phase = new LoadPhase(new ObjectMapper(), Duration.ofSeconds(timeoutSeconds));

        // Warm-up warms both the servers' JITs and this client's; nothing from it is reported.
        for (Target t : targets) {
            log.info("warm-up: {} with {} clients for {} s", t.name(), clients, warmupSeconds);
            PhaseResult w = phase.run(t, clients, maxCallsPerClient, Duration.ofSeconds(warmupSeconds));
            requireHealthy(w, "warm-up");
            log.info("warm-up {}: {} calls/s", t.name(), Math.round(w.throughput()));
        }

        Map<String, List<PhaseResult>> sequential = new LinkedHashMap<>();
        Map<String, List<PhaseResult>> concurrent = new LinkedHashMap<>();
        names.forEach(n -> {
            sequential.put(n, new ArrayList<>());
            concurrent.put(n, new ArrayList<>());
        });
        for (int r = 0; r < rounds; r++) {
            // Alternate who goes first, so neither server always runs on the warmer (or noisier) slot.
            List<Target> order = r % 2 == 0 ? targets : targets.reversed();
            for (Target t : order) {
                rewarm(phase, t);
                PhaseResult s = phase.run(t, 1, seqCalls, Duration.ofSeconds(seqMaxSeconds));
                requireHealthy(s, "sequential");
                sequential.get(t.name()).add(s);
                log.info("round {} seq {}: {}", r + 1, t.name(), summary(s));
            }
            for (Target t : order) {
                rewarm(phase, t);
                PhaseResult c = phase.run(t, clients, maxCallsPerClient, Duration.ofSeconds(seconds));
                requireHealthy(c, "concurrent");
                concurrent.get(t.name()).add(c);
                log.info("round {} c{} {}: {}", r + 1, clients, t.name(), summary(c));
            }
        }
        Map<String, Long> rss = new LinkedHashMap<>();
        for (Target t : targets) {
            rss.put(t.name(), t.process().filter(ServerProcess::alive).map(ServerProcess::rssBytes).orElse(-1L));
        }
        System.out.print(Report.markdown(names, sequential, concurrent, rss, base, clients));
        System.out.flush();
        return 0;
    }

    /** Each server idles while the others are measured; a short burst first measures it hot, not waking up. */
    private void rewarm(LoadPhase phase, Target t) throws Exception {
        if (rewarmSeconds > 0) {
            requireHealthy(phase.run(t, clients, maxCallsPerClient, Duration.ofSeconds(rewarmSeconds)), "re-warm");
        }
    }

    private static String summary(PhaseResult r) {
        return String.format(java.util.Locale.ROOT, "p50 %.3f ms, p99 %.2f ms, %.0f calls/s, server %.0f µs/call, client %.0f µs/call",
                r.p50Millis(), r.p99Millis(), r.throughput(), r.serverCpuMicrosPerCall(), r.clientCpuMicrosPerCall());
    }

    private void validate() {
        var cl = new CommandLine(this);
        check(cl, warmupSeconds >= 0 && warmupSeconds <= 600, "--warmup-seconds must be 0..600");
        check(cl, rewarmSeconds >= 0 && rewarmSeconds <= 120, "--rewarm-seconds must be 0..120");
        check(cl, rounds >= 1 && rounds <= 50, "--rounds must be 1..50");
        check(cl, seqCalls >= 1, "--seq-calls must be ≥ 1");
        check(cl, seqMaxSeconds >= 1 && seqMaxSeconds <= 600, "--seq-max-seconds must be 1..600");
        check(cl, clients >= 1 && clients <= 1024, "--clients must be 1..1024");
        check(cl, seconds >= 1 && seconds <= 600, "--seconds must be 1..600");
        check(cl, maxCallsPerClient >= 1, "--max-calls-per-client must be ≥ 1");
        check(cl, timeoutSeconds >= 1 && timeoutSeconds <= 300, "--timeout-seconds must be 1..300");
        check(cl, clkTck >= 1, "--clk-tck must be ≥ 1");
    }

    private static void check(CommandLine cl, boolean ok, String message) {
        if (!ok) {
            throw new CommandLine.ParameterException(cl, message);
        }
    }

    /** A phase where calls failed measures the error path, not the server: stop and say why. */
    private static void requireHealthy(PhaseResult r, String what) {
        if (r.calls() == 0 || r.errors() > 0) {
            throw new IllegalStateException(what + " against " + r.target() + ": " + r.calls() + " calls, "
                    + r.errors() + " errors; first error: " + r.firstError());
        }
    }
}
