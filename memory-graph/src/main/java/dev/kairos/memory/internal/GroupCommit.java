package dev.kairos.memory.internal;

import dev.kairos.memory.MemoryNotReadyException;
import dev.kairos.memory.MemoryStatus;
import dev.kairos.memory.MemoryStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Group commit: writes that arrive while a batch is being written share the next batch, so concurrent callers pay
 * for one transaction (with its Lucene index refresh) instead of one each. Each caller still
 * returns only once its own item is durable. A batch that fails is retried item by item, so one bad item fails only
 * its own caller. A lone caller is written at once: no batch waits for company.
 */
final class GroupCommit<I, O> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);

    private record Pending<I, O>(I item, CompletableFuture<O> done) {}

    private final LinkedBlockingQueue<Pending<I, O>> queue = new LinkedBlockingQueue<>();
    /** Notified on every arrival, for {@link #awaitQueued}. */
    private final Object arrivals = new Object();
    private final Function<List<I>, List<O>> writeAll;
    private final int maxBatch;
    private final Duration maxWait;
    private final Thread worker;
    private volatile boolean closed;

    /**
     * @param writeAll writes a batch and returns one result per item, in order
     * @param maxWait  how long a caller waits for its write before giving up (it may still be written)
     */
    GroupCommit(String name, Function<List<I>, List<O>> writeAll, int maxBatch, Duration maxWait) {
        this.writeAll = writeAll;
        this.maxBatch = maxBatch;
        this.maxWait = maxWait;
        this.worker = Thread.ofPlatform().name(name).daemon(true).start(this::run);
    }

    /** Queues the item and waits (bounded) until it is written; the write's own exception is rethrown as is. */
    O write(I item) {
        if (closed) throw new MemoryNotReadyException("memory is closed", new MemoryStatus.Closed(), null);
        CompletableFuture<O> done = new CompletableFuture<>();
        queue.add(new Pending<>(item, done));
        synchronized (arrivals) {
            arrivals.notifyAll();
        }
        try {
            return done.get(maxWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new MemoryStoreException("write failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new MemoryStoreException("the write did not finish within " + maxWait.toSeconds()
                    + " s; it may still be stored (the memory is overloaded or stuck)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MemoryStoreException("interrupted while waiting for the write", e);
        }
    }

    /** Waits until at least {@code n} writes wait for the next batch; false if they did not within {@code timeout} (tests). */
    boolean awaitQueued(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (arrivals) {
            while (queue.size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(arrivals, left);
            }
            return true;
        }
    }

    private void run() {
        List<Pending<I, O>> batch = new ArrayList<>(maxBatch);
        while (!closed || !queue.isEmpty()) {
            try {
                Pending<I, O> first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                write(batch);
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | Error e) {
                log.error("group commit {} failed unexpectedly", worker.getName(), e);
                for (var p : batch) p.done().completeExceptionally(e);
            } finally {
                batch.clear();
            }
        }
        Pending<I, O> left;
        while ((left = queue.poll()) != null)
            left.done().completeExceptionally(new MemoryNotReadyException("memory closed before the write", new MemoryStatus.Closed(), null));
    }

    private void write(List<Pending<I, O>> batch) {
        try {
            List<O> out = writeAll.apply(batch.stream().map(Pending::item).toList());
            for (int i = 0; i < batch.size(); i++) batch.get(i).done().complete(out.get(i));
        } catch (RuntimeException e) {
            if (batch.size() == 1) {
                batch.get(0).done().completeExceptionally(e);
                return;
            }
            // Find the culprit(s): everyone else still gets written.
            for (var p : batch) {
                try {
                    p.done().complete(writeAll.apply(List.of(p.item())).get(0));
                } catch (RuntimeException one) {
                    p.done().completeExceptionally(one);
                }
            }
        }
    }

    /** Writes what is already queued (bounded by the callers' wait), then stops; later writes are refused. */
    @Override
    public void close() {
        closed = true;
        try {
            worker.join(maxWait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (worker.isAlive()) worker.interrupt();
    }
}
