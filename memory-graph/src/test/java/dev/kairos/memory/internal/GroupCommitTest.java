package dev.kairos.memory.internal;

import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemoryNotReadyException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/** Batching, per-caller results and failure isolation of the group commit, with a recording writer. */
class GroupCommitTest {
    private final List<List<Integer>> batches = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch firstBatchStarted = new CountDownLatch(1);

    private Function<List<Integer>, List<String>> recording(CountDownLatch firstBatchMayFinish) {
        return items -> {
            batches.add(List.copyOf(items));
            if (batches.size() == 1) {
                firstBatchStarted.countDown();
                await(firstBatchMayFinish);
            }
            if (items.contains(13)) throw new MemoryInputException("uuid", "13 is taken");
            return items.stream().map(i -> "stored " + i).toList();
        };
    }

    @Test
    void callersArrivingDuringAWriteShareTheNextBatchAndEachGetsItsOwnResult() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (var commit = new GroupCommit<>("test-commit", recording(release), 64, Duration.ofSeconds(30));
             var pool = Executors.newFixedThreadPool(6)) {
            Future<String> first = pool.submit(() -> commit.write(0));
            await(firstBatchStarted);
            List<Future<String>> later = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                int n = i;
                later.add(pool.submit(() -> commit.write(n)));
            }
            awaitQueued(commit, 5);
            release.countDown();
            assertEquals("stored 0", first.get(30, TimeUnit.SECONDS));
            for (int i = 1; i <= 5; i++) assertEquals("stored " + i, later.get(i - 1).get(30, TimeUnit.SECONDS));
            assertEquals(2, batches.size(), "the five waiting callers were written together: " + batches);
            assertEquals(5, batches.get(1).size());
        }
    }

    @Test
    void aFailingItemFailsOnlyItsOwnCaller() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (var commit = new GroupCommit<>("test-commit", recording(release), 64, Duration.ofSeconds(30));
             var pool = Executors.newFixedThreadPool(4)) {
            Future<String> first = pool.submit(() -> commit.write(1));
            await(firstBatchStarted);
            Future<String> ok = pool.submit(() -> commit.write(12));
            Future<String> bad = pool.submit(() -> commit.write(13));
            Future<String> ok2 = pool.submit(() -> commit.write(14));
            awaitQueued(commit, 3);
            release.countDown();
            assertEquals("stored 1", first.get(30, TimeUnit.SECONDS));
            assertEquals("stored 12", ok.get(30, TimeUnit.SECONDS));
            assertEquals("stored 14", ok2.get(30, TimeUnit.SECONDS));
            var err = assertThrows(java.util.concurrent.ExecutionException.class, () -> bad.get(30, TimeUnit.SECONDS));
            assertInstanceOf(MemoryInputException.class, err.getCause());
            assertEquals("uuid", ((MemoryInputException) err.getCause()).field());
            // [1], then [12, 13, 14] together, which failed, then 12, 13 and 14 one by one
            assertEquals(5, batches.size(), batches.toString());
            assertEquals(3, batches.get(1).size());
        }
    }

    @Test
    void closeWritesWhatIsQueuedThenRefusesNewWrites() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        var commit = new GroupCommit<>("test-commit", recording(release), 64, Duration.ofSeconds(30));
        try (var pool = Executors.newFixedThreadPool(3)) {
            Future<String> first = pool.submit(() -> commit.write(1));
            await(firstBatchStarted);
            Future<String> queued = pool.submit(() -> commit.write(2));
            awaitQueued(commit, 1);
            Thread closer = Thread.ofPlatform().start(commit::close);
            release.countDown();
            closer.join(30_000);
            assertFalse(closer.isAlive());
            assertEquals("stored 1", first.get(30, TimeUnit.SECONDS));
            assertEquals("stored 2", queued.get(30, TimeUnit.SECONDS));
        }
        assertThrows(MemoryNotReadyException.class, () -> commit.write(3));
    }

    private static void awaitQueued(GroupCommit<?, ?> commit, int n) throws InterruptedException {
        assertTrue(commit.awaitQueued(n, Duration.ofSeconds(30)), n + " writes did not queue within 30 s");
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("test latch not released");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
