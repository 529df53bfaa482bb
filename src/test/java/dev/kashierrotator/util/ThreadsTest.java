package dev.kashierrotator.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The service's threads end when it stops: queued work finishes, stuck work is interrupted, nothing is left. */
@Tag("fast")
class ThreadsTest {

    private final Set<Thread> seen = ConcurrentHashMap.newKeySet();

    private Runnable noting(Runnable work) {
        return () -> {
            seen.add(Thread.currentThread());
            work.run();
        };
    }

    @Test
    void closingEndsEveryThreadMadeHereWithQueuedWorkDoneAndDelayedWorkDropped() throws Exception {
        Threads threads = new Threads(Duration.ofSeconds(10));
        ScheduledExecutorService scheduler = threads.scheduler("test-timer", 1);
        ExecutorService pool = threads.pool("test-pool", 1);
        ExecutorService elastic = threads.elastic("test-elastic");
        AtomicInteger ran = new AtomicInteger();
        AtomicBoolean late = new AtomicBoolean();
        CountDownLatch hold = new CountDownLatch(1);
        pool.execute(noting(() -> {
            try {
                hold.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ran.incrementAndGet();
        }));
        for (int i = 0; i < 3; i++) {
            pool.execute(noting(ran::incrementAndGet));
        }
        elastic.execute(noting(ran::incrementAndGet));
        scheduler.execute(noting(ran::incrementAndGet));
        scheduler.schedule(() -> late.set(true), 1, TimeUnit.HOURS);
        scheduler.scheduleWithFixedDelay(noting(() -> {}), 0, 1, TimeUnit.HOURS);
        assertEquals(3, threads.open());

        hold.countDown();
        threads.close();

        assertEquals(6, ran.get(), "work queued before the close ran to its end");
        assertFalse(late.get(), "work not yet due is dropped, not run early");
        assertEquals(0, threads.open());
        for (Thread t : seen) {
            t.join(5_000);
            assertFalse(t.isAlive(), t.getName() + " ended");
            assertTrue(t.isDaemon(), t.getName() + " is a daemon: it never holds the JVM up");
        }
        assertEquals(
                Set.of("test-timer-1", "test-pool-1", "test-elastic-1"),
                seen.stream().map(Thread::getName).collect(java.util.stream.Collectors.toSet()));
    }

    @Test
    void workStillRunningAfterTheGraceIsInterruptedAndTheCloseReturns() throws Exception {
        Threads threads = new Threads(Duration.ofMillis(100));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        threads.pool("stuck", 1).execute(noting(() -> {
            started.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        }));
        assertTrue(started.await(30, TimeUnit.SECONDS));

        threads.close();

        assertTrue(interrupted.await(30, TimeUnit.SECONDS), "the stuck work was interrupted");
        for (Thread t : seen) {
            t.join(5_000);
            assertFalse(t.isAlive(), t.getName() + " ended");
        }
    }

    @Test
    void aShortLivedPoolLeavesTheListWhenItEndsAndNothingNewStartsAfterTheClose() throws Exception {
        Threads threads = new Threads();
        ExecutorService rollout = threads.pool("rollout-k", 2);
        rollout.execute(() -> {});
        rollout.shutdown();
        assertTrue(rollout.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(0, threads.open(), "a terminated pool is forgotten");

        threads.close();

        for (Runnable make : List.<Runnable>of(
                () -> threads.pool("late", 1), () -> threads.scheduler("late", 1), () -> threads.elastic("late"))) {
            assertThrows(IllegalStateException.class, make::run);
        }
        threads.close();
    }
}
