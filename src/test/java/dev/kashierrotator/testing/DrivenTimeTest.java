package dev.kashierrotator.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The test tool itself: delayed work runs when the driven clock reaches it, never because wall time passed. */
@Tag("fast")
class DrivenTimeTest {

    private static final Instant T0 = Instant.parse("2026-12-04T03:00:00Z");

    @Test
    void delayedWorkRunsWhenTheClockReachesItInOrderAndPeriodicWorkComesBack() {
        try (DrivenTime time = new DrivenTime(T0)) {
            ScheduledExecutorService s = time.scheduler("driven", 2);
            List<String> ran = new CopyOnWriteArrayList<>();
            s.schedule(() -> ran.add("grace ends at " + time.clock().instant()), 1, TimeUnit.HOURS);
            s.schedule(() -> ran.add("backoff at " + time.clock().instant()), 20, TimeUnit.MILLISECONDS);
            AtomicInteger beats = new AtomicInteger();
            s.scheduleWithFixedDelay(beats::incrementAndGet, 10, 10, TimeUnit.MINUTES);

            time.advance(Duration.ofMillis(19));
            assertEquals(List.of(), ran, "nothing is due yet, however long the machine took");
            time.advance(Duration.ofMinutes(59));
            assertEquals(List.of("backoff at 2026-12-04T03:00:00.020Z"), ran);
            assertEquals(5, beats.get(), "a renewal every 10 minutes of driven time");
            time.runUntil("the grace period ends", () -> ran.size() == 2, Duration.ofHours(2));
            assertEquals("grace ends at 2026-12-04T04:00:00Z", ran.get(1));
            assertEquals(T0.plus(Duration.ofHours(1)), time.clock().instant(), "moved no further than needed");
        }
    }

    @Test
    void waitingForWhatNeverHappensFailsWithWhatWasAwaitedAndTheNextWork() {
        try (DrivenTime time = new DrivenTime(T0)) {
            ScheduledExecutorService s = time.scheduler("driven", 1);
            s.scheduleWithFixedDelay(() -> {}, 1, 1, TimeUnit.MINUTES);
            AssertionError e = assertThrows(
                    AssertionError.class,
                    () -> time.runUntil("a rotation that never ends", () -> false, Duration.ofMinutes(5)));
            assertTrue(e.getMessage().startsWith("a rotation that never ends: not so within PT5M"), e.getMessage());
            assertTrue(e.getMessage().contains("next work driven at 2026-12-04T03:06:00Z"), e.getMessage());
        }
    }

    @Test
    void workThatThrowsEndsInItsFutureAndLeavesTheSchedulerRunning() throws Exception {
        try (DrivenTime time = new DrivenTime(T0)) {
            ScheduledExecutorService s = time.scheduler("driven", 1);
            var crashed = s.schedule(
                    () -> {
                        throw new IllegalStateException("simulated crash");
                    },
                    0,
                    TimeUnit.SECONDS);
            AtomicInteger after = new AtomicInteger();
            s.execute(after::incrementAndGet);
            time.runUntil("the work after the crash", () -> after.get() == 1, Duration.ZERO);
            assertTrue(crashed.isDone());
            assertFalse(s.isShutdown());
        }
    }
}
