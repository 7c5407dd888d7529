package dev.kairos.inference.internal;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Ends one streamed call early by interrupting the thread waiting for it (which cancels the exchange
 * and closes the stream, so the engine frees the slot): when no first token came in time, when the
 * answer turned out bad, or when the body stays open after the answer. The interrupt is its own, so
 * it is taken back when the call ends.
 */
final class CallGuard implements AutoCloseable {
    /** Why the call was ended early. */
    enum Reason { NO_FIRST_TOKEN, ANSWER_FAILED, ANSWER_COMPLETE }

    private final Thread caller = Thread.currentThread();
    private final ScheduledExecutorService timer;
    private final ScheduledFuture<?> deadline;
    private boolean firstTokenSeen;
    private boolean closed;
    private Reason reason;

    CallGuard(ScheduledExecutorService timer, Duration firstToken) {
        this.timer = timer;
        this.deadline = timer.schedule(() -> {
            synchronized (this) {
                if (!firstTokenSeen) {
                    end(Reason.NO_FIRST_TOKEN);
                }
            }
        }, firstToken.toNanos(), TimeUnit.NANOSECONDS);
    }

    synchronized void firstToken() {
        if (!firstTokenSeen) {
            firstTokenSeen = true;
            deadline.cancel(false);
        }
    }

    /** Ends the call now, unless it has ended. */
    synchronized void end(Reason why) {
        if (!closed && reason == null) {
            reason = why;
            caller.interrupt();
        }
    }

    /** Ends the call after {@code wait}, unless it has ended by then. */
    ScheduledFuture<?> endAfter(Reason why, Duration wait) {
        return timer.schedule(() -> end(why), wait.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Why the call was ended early, or null. */
    synchronized Reason reason() {
        return reason;
    }

    @Override
    public synchronized void close() {
        closed = true;
        deadline.cancel(false);
        if (reason != null) {
            Thread.interrupted(); // our own interrupt, not the caller's
        }
    }
}
