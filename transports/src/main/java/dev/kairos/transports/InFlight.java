package dev.kairos.transports;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** Counts work that must finish before a graceful shutdown: tool calls and HTTP POSTs in progress. */
public final class InFlight {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private int count;

    public void begin() {
        lock.lock();
        try {
            count++;
        } finally {
            lock.unlock();
        }
    }

    public void end() {
        lock.lock();
        try {
            if (--count == 0) {
                idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    public int count() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until nothing is in flight or the bound passes; returns whether it drained. */
    public boolean awaitIdle(Duration bound) throws InterruptedException {
        long nanos = bound.toNanos();
        lock.lock();
        try {
            while (count > 0) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = idle.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code work} counted as in flight. */
    public <T> T track(java.util.function.Supplier<T> work) {
        begin();
        try {
            return work.get();
        } finally {
            end();
        }
    }
}
