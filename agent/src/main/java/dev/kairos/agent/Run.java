package dev.kairos.agent;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A run in progress: its id, a way to stop it, and its result when it ends. */
public final class Run {
    private final String id;
    private final CompletableFuture<RunResult> result;
    private final Runnable cancel;

    public Run(String id, CompletableFuture<RunResult> result, Runnable cancel) {
        this.id = id;
        this.result = result;
        this.cancel = cancel;
    }

    public String id() {
        return id;
    }

    /** Stops the run: calls in flight are cancelled downstream, and the run ends CANCELLED. */
    public void cancel() {
        cancel.run();
    }

    /** Waits up to {@code bound} for the result. */
    public RunResult await(Duration bound) throws InterruptedException, TimeoutException {
        try {
            return result.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // The loop turns every failure into a result; this is a bug, reported as one.
            throw new IllegalStateException("run " + id + " failed: " + e.getCause(), e.getCause());
        }
    }

    /** The result, when it comes. */
    public CompletableFuture<RunResult> result() {
        return result;
    }
}
