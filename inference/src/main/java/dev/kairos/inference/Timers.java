package dev.kairos.inference;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The timer for the time limits of calls (engine calls, tool calls, runs): almost every limit is
 * cancelled long before it fires, so what matters is what scheduling and cancelling cost.
 */
public final class Timers {
    /** How often the timer thread wakes on its own. */
    static final long HEARTBEAT_MILLIS = 50;
    private static final ScheduledThreadPoolExecutor SHARED = newTimer("kairos-timeouts");

    private Timers() {
    }

    /**
     * The process's timer for limits whose owner has no timer of its own. A limit that fires should hand
     * its work to a thread of its own when that work can block, so that it does not hold up the others.
     */
    public static ScheduledThreadPoolExecutor shared() {
        return SHARED;
    }

    /**
     * A one-thread timer. A cancelled limit leaves the queue at once, so finished calls hold nothing.
     * A task that does nothing every {@value #HEARTBEAT_MILLIS} ms keeps a near deadline at the head
     * of the queue: a limit seconds away is then queued behind it without waking the timer thread,
     * where otherwise every call's limit, landing in an empty queue, cost a thread wake-up.
     */
    private static ScheduledThreadPoolExecutor newTimer(String threadName) {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name(threadName).factory());
        t.setRemoveOnCancelPolicy(true);
        t.scheduleAtFixedRate(() -> { }, HEARTBEAT_MILLIS, HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
        return t;
    }
}
