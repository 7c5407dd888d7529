package dev.kairos.bench.tools;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Helpers for the benchmarks' child processes (servers and simulators in their own JVMs). */
public final class SubProcesses {
    private SubProcesses() {
    }

    /**
     * Reads the process's output (stdout and stderr merged) until a line contains {@code marker}, and
     * returns the rest of that line, trimmed; keeps draining the output afterwards so the child never
     * blocks on a full pipe. Bounded by {@code within}.
     */
    public static String awaitLine(Process p, String marker, Duration within) throws Exception {
        CompletableFuture<String> found = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("child-output").start(() -> {
            try (var r = p.inputReader()) {
                for (String line; (line = r.readLine()) != null; ) {
                    int at = line.indexOf(marker);
                    if (at >= 0 && !found.isDone()) {
                        found.complete(line.substring(at + marker.length()).trim());
                    } else if (!found.isDone()) {
                        System.err.println("child: " + line);
                    }
                }
                found.completeExceptionally(new IllegalStateException("the child process ended before printing '"
                        + marker + "' (exit " + p.waitFor() + ")"));
            } catch (Exception e) {
                found.completeExceptionally(e);
            }
        });
        try {
            return found.get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
            throw new IllegalStateException("no '" + marker + "' from the child process within " + within, e);
        }
    }
}
