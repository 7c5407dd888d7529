package dev.kairos.bench.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A closed-loop load phase: N virtual clients, each with its own socket (and session, unless the target
 * is driven statelessly), each sending
 * the next {@code tools/call} as soon as the previous reply is parsed, until a call count or a time
 * limit is reached, whichever comes first.
 */
final class LoadPhase {
    private static final Logger log = LoggerFactory.getLogger(LoadPhase.class);
    /** A client that keeps failing stops rather than spinning through reconnects. */
    private static final int MAX_ERRORS_PER_CLIENT = 20;
    private static final long HIGHEST_LATENCY_NANOS = TimeUnit.SECONDS.toNanos(120);

    private final ObjectMapper json;
    private final Duration ioTimeout;
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    LoadPhase(ObjectMapper json, Duration ioTimeout) {
        this.json = json;
        this.ioTimeout = ioTimeout;
    }

    PhaseResult run(Target target, int clients, long callsPerClient, Duration maxDuration) throws IOException, InterruptedException {
        List<Client> all = new ArrayList<>(clients);
        try {
            for (int i = 0; i < clients; i++) {
                EchoClient session;
                try {
                    session = EchoClient.open(json, target, ioTimeout);
                } catch (IOException e) {
                    throw new IOException("cannot open MCP client " + (i + 1) + " of " + clients + " with "
                            + target.name() + " at " + target.endpoint() + ": " + e, e);
                }
                all.add(new Client(target, i, callsPerClient, session));
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>(clients);
            for (Client c : all) {
                c.go = go;
                threads.add(Thread.ofPlatform().name("mcp-client-" + target.name() + "-" + c.index).start(c));
            }
            long serverCpu0 = target.process().map(ServerProcess::cpuNanos).orElse(-1L);
            long clientCpu0 = os.getProcessCpuTime();
            long start = System.nanoTime();
            for (Client c : all) {
                c.deadline = start + maxDuration.toNanos();
            }
            go.countDown();

            long joinBound = maxDuration.plus(ioTimeout.multipliedBy(3)).toMillis();
            for (int i = 0; i < threads.size(); i++) {
                Thread t = threads.get(i);
                if (!t.join(Duration.ofMillis(joinBound))) {
                    log.warn("client {} of {} still running past its bound; closing its socket", i, target.name());
                    all.get(i).session.close();
                    t.join(ioTimeout);
                }
            }
            long end = all.stream().mapToLong(c -> c.finishedAt).max().orElse(start);
            long serverCpu = target.process().map(p -> p.cpuNanos() - serverCpu0).orElse(-1L);
            long clientCpu = os.getProcessCpuTime() - clientCpu0;

            Histogram latency = new Histogram(HIGHEST_LATENCY_NANOS, 3);
            long calls = 0;
            long errors = 0;
            String firstError = null;
            for (Client c : all) {
                latency.add(c.latency);
                calls += c.calls;
                errors += c.errors;
                if (firstError == null) {
                    firstError = c.firstError;
                }
            }
            return new PhaseResult(target.name(), clients, calls, errors, end - start, latency, serverCpu, clientCpu, firstError);
        } finally {
            for (Client c : all) {
                c.session.close();
            }
        }
    }

    private final class Client implements Runnable {
        final Target target;
        final int index;
        final long maxCalls;
        final Histogram latency = new Histogram(HIGHEST_LATENCY_NANOS, 3);
        volatile EchoClient session;
        volatile CountDownLatch go;
        volatile long deadline;
        volatile long finishedAt;
        long calls;
        long errors;
        String firstError;

        Client(Target target, int index, long maxCalls, EchoClient session) {
            this.target = target;
            this.index = index;
            this.maxCalls = maxCalls;
            this.session = session;
        }

        @Override
        public void run() {
            try {
                if (!go.await(ioTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
                String prefix = "hello " + index + "-";
                while (calls < maxCalls && System.nanoTime() < deadline) {
                    String message = prefix + calls;
                    long t0 = System.nanoTime();
                    try {
                        session.echo(message);
                        latency.recordValue(Math.min(System.nanoTime() - t0, HIGHEST_LATENCY_NANOS));
                        calls++;
                    } catch (IOException | RuntimeException e) {
                        if (!failed(e)) {
                            break;
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                finishedAt = System.nanoTime();
            }
        }

        /** Counts the failure and opens a fresh session; false when this client should stop. */
        private boolean failed(Exception e) {
            errors++;
            if (firstError == null) {
                firstError = e.toString();
                log.warn("{} client {}: {}", target.name(), index, e.toString());
            }
            session.close();
            if (errors >= MAX_ERRORS_PER_CLIENT || System.nanoTime() >= deadline) {
                return false;
            }
            try {
                session = EchoClient.open(json, target, ioTimeout);
                return true;
            } catch (IOException | RuntimeException again) {
                errors++;
                return false;
            }
        }
    }
}
