package dev.kairos.inference.internal;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Ends one engine call early by interrupting the thread waiting for it (which closes the exchange's
 * socket, so the engine frees the slot; see {@link EngineHttp}): past the call's total limit, when no
 * first token came in time, or when the body stays open after the answer.
 * The interrupt is its own, so it is taken back when the call ends. Guards may nest on one thread
 * (the endpoint's total limit around the provider's stream); each takes back only its own.
 */
public final class CallGuard implements AutoCloseable {
    /** Why the call was ended early. */
    public enum Reason { TOTAL_LIMIT, NO_FIRST_TOKEN, ANSWER_COMPLETE }

    private final Thread caller = Thread.currentThread();
    private final ScheduledExecutorService timer;
    private ScheduledFuture<?> firstTokenDeadline;
    private boolean firstTokenSeen;
    private boolean closed;
    private Reason reason;

    /** A guard for a call on this thread; nothing ends it until a limit is set. */
    public CallGuard(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** Ends the call if no first token came within {@code limit}. */
    CallGuard withFirstToken(Duration limit) {
        firstTokenDeadline = timer.schedule(() -> {
            synchronized (this) {
                if (!firstTokenSeen) {
                    end(Reason.NO_FIRST_TOKEN);
                }
            }
        }, limit.toNanos(), TimeUnit.NANOSECONDS);
        return this;
    }

    synchronized void firstToken() {
        if (!firstTokenSeen) {
            firstTokenSeen = true;
            if (firstTokenDeadline != null) {
                firstTokenDeadline.cancel(false);
            }
        }
    }

    /** Ends the call now, unless it has ended. */
    synchronized void end(Reason why) {
        if (!closed && reason == null) {
            reason = why;
            caller.interrupt();
        }
    }

    /** Ends the call after {@code wait}, unless it has ended by then; cancel the result when it is no longer wanted. */
    public ScheduledFuture<?> endAfter(Reason why, Duration wait) {
        return timer.schedule(() -> end(why), wait.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Why the call was ended early, or null. */
    public synchronized Reason reason() {
        return reason;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (firstTokenDeadline != null) {
            firstTokenDeadline.cancel(false);
        }
        if (reason != null) {
            Thread.interrupted(); // our own interrupt, not the caller's
        }
    }
}
