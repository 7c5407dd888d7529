package dev.kairos.inference.internal;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Bounds the wait for the first token of one streamed call: past the limit it closes the HTTP stream
 * (so the engine frees the slot) and interrupts the reading thread.
 */
final class CallGuard implements AutoCloseable {
    private final Thread reader = Thread.currentThread();
    private final ScheduledFuture<?> deadline;
    private InputStream stream;
    private boolean firstTokenSeen;
    private boolean closed;
    private boolean timedOut;

    CallGuard(ScheduledExecutorService timer, Duration firstToken) {
        this.deadline = timer.schedule(this::expire, firstToken.toNanos(), TimeUnit.NANOSECONDS);
    }

    synchronized void attach(InputStream in) {
        this.stream = in;
    }

    synchronized void firstToken() {
        if (!firstTokenSeen) {
            firstTokenSeen = true;
            deadline.cancel(false);
        }
    }

    synchronized boolean timedOut() {
        return timedOut;
    }

    private synchronized void expire() {
        if (closed || firstTokenSeen) {
            return;
        }
        timedOut = true;
        closeStream();
        reader.interrupt();
    }

    private void closeStream() {
        if (stream != null) {
            try {
                stream.close();
            } catch (IOException ignored) {
                // closing is best effort; the interrupt ends the read
            }
        }
    }

    /** Ends the guard; on an abnormal end the stream is closed so the connection is dropped. */
    synchronized void end(boolean normally) {
        if (!normally) {
            closeStream();
        }
        close();
    }

    @Override
    public synchronized void close() {
        closed = true;
        deadline.cancel(false);
        if (timedOut) {
            Thread.interrupted(); // our own interrupt, not the caller's
        }
    }
}
