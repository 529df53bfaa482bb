package dev.kashierrotator.rotation;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/** This replica's hold on one rotation: its claim, and what the runner and the lease keeper know of it. */
final class Hold {

    private Claim claim;
    /** Renewals and fences write the claim with check-and-set: one at a time, or they fence each other out. */
    private final Object claimLock = new Object();
    /** One record write at a time (check-and-set order). */
    private final Object writeLock = new Object();

    volatile boolean lost;
    /** The lease keeper saw an abort request in the record. */
    volatile boolean abortSeen;
    /** A worker thread is inside a run of it (not idle in grace, a retry's backoff or a person's answer). */
    final AtomicBoolean running = new AtomicBoolean();
    /** When the last run let go of it, if one did. */
    volatile Instant idleSince;
    /** When a continuation is due (a grace period's end, a retry), if one is scheduled. */
    volatile Instant wakeAt;
    /** Failed attempts of each step in this hold; a resumed rotation starts counting again. */
    private final Map<StepName, Integer> attempts = new HashMap<>();

    Hold(Claim claim) {
        this.claim = claim;
    }

    Claim claim() {
        synchronized (claimLock) {
            return claim;
        }
    }

    /**
     * Replaces the claim with what {@code renewal} makes of it, one renewal or fence at a time; empty
     * (and the claim unchanged) when the claim changed under this replica.
     */
    Optional<Claim> renew(Function<Claim, Optional<Claim>> renewal) {
        synchronized (claimLock) {
            Optional<Claim> renewed = renewal.apply(claim);
            renewed.ifPresent(c -> claim = c);
            return renewed;
        }
    }

    /** Runs a record write, one at a time for this rotation. */
    void write(Runnable write) {
        synchronized (writeLock) {
            write.run();
        }
    }

    /** The number of this attempt at the step (1 for the first in this hold). */
    synchronized int nextAttempt(StepName step) {
        return attempts.merge(step, 1, Integer::sum);
    }

    synchronized void stepDone(StepName step) {
        attempts.remove(step);
    }
}
