package dev.kairos.transports.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Every downstream server process this JVM started, so that none outlives it: stopped on close, and
 * by one shutdown hook when the JVM exits (also on SIGTERM). The hook is per JVM by nature, hence
 * the one static set.
 */
public final class ChildProcesses {
    private static final Logger LOG = LoggerFactory.getLogger(ChildProcesses.class);
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    private static final Duration HOOK_GRACE = Duration.ofSeconds(2);

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> List.copyOf(LIVE).forEach(p -> stop(p, HOOK_GRACE)),
                "kairos-stop-servers"));
    }

    private ChildProcesses() {
    }

    public static void track(Process p) {
        LIVE.add(p);
        p.onExit().thenRun(() -> LIVE.remove(p));
    }

    /** SIGTERM to the process and its descendants, then a kill after {@code grace}. */
    public static void stop(Process p, Duration grace) {
        List<ProcessHandle> descendants = p.descendants().toList();
        p.destroy();
        descendants.forEach(ProcessHandle::destroy);
        try {
            if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("server process {} ignored SIGTERM for {} ms; killing it", p.pid(), grace.toMillis());
                p.destroyForcibly();
                p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        LIVE.remove(p);
    }

    /** How many tracked processes are alive (for tests). */
    public static int alive() {
        return (int) LIVE.stream().filter(Process::isAlive).count();
    }
}
