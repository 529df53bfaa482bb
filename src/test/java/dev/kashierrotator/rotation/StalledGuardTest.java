package dev.kashierrotator.rotation;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * When the heartbeat resumes a rotation it holds: only when nobody works on it, no person is asked for
 * anything, and no continuation is due. (A grace continuation that found the run still marked running
 * once left a rotation held forever; this guard is the net under such bugs.)
 */
@Tag("fast")
class StalledGuardTest {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

    @Test
    void idleWithNothingScheduledForMoreThanALeaseIsStalled() {
        assertTrue(LeaseKeeper.stalled(false, false, NOW.minusSeconds(31), null, NOW, LEASE));
        assertTrue(
                LeaseKeeper.stalled(false, false, NOW.minusSeconds(120), NOW.minusSeconds(31), NOW, LEASE),
                "its grace continuation was due more than a lease ago and never ran");
    }

    @Test
    void runningWaitingForAPersonOrForAGraceThatHasNotEndedIsNot() {
        assertFalse(LeaseKeeper.stalled(true, false, NOW.minusSeconds(120), null, NOW, LEASE), "running");
        assertFalse(LeaseKeeper.stalled(false, true, NOW.minusSeconds(3600), null, NOW, LEASE), "dashboard step");
        assertFalse(
                LeaseKeeper.stalled(false, false, NOW.minusSeconds(3600), NOW.plusSeconds(86_400), NOW, LEASE),
                "idle in a 24 h grace");
        assertFalse(
                LeaseKeeper.stalled(false, false, NOW.minusSeconds(120), NOW.minusSeconds(10), NOW, LEASE),
                "continuation due 10 s ago: still within a lease of slack");
        assertFalse(LeaseKeeper.stalled(false, false, NOW.minusSeconds(5), null, NOW, LEASE), "just let go");
        assertFalse(LeaseKeeper.stalled(false, false, null, null, NOW, LEASE), "queued, never ran yet");
    }
}
