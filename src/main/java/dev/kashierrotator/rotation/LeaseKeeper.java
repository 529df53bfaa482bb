package dev.kashierrotator.rotation;

import dev.kashierrotator.util.Threads;
import io.quarkus.logging.Log;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps this replica's leases on the rotations it holds: renews each a third of a lease before it runs
 * out, on a thread of its own (rotation work can hold a worker for minutes), notices an abort asked for
 * or an answer given through another replica, and fences irreversible steps.
 *
 * <p>The protocol: a claim on a key names the rotation, the owner and an epoch; it is written with
 * check-and-set and renewed before it expires. A replica whose renewal fails past the lease, or whose
 * check-and-set fails, marks its hold lost and stops; another replica takes an expired claim over with
 * a higher epoch, and every record write checks the epoch, so the superseded replica cannot write.
 */
final class LeaseKeeper {

    /** What the keeper tells the runner. */
    interface Watcher {
        /** Since when the rotation waits for a person on this replica, if it does. */
        Optional<Instant> awaitingSince(String rotationId);

        /** Something changed (abort asked for, answer given elsewhere, a stall): run the rotation now. */
        void wake(String rotationId);
    }

    private final RotationStore rotations;
    private final Duration ttl;
    private final Clock clock;
    private final EngineMetrics metrics;
    private final Map<String, Hold> holds = new ConcurrentHashMap<>();
    private final ScheduledExecutorService beat;

    LeaseKeeper(RotationStore rotations, Duration ttl, Clock clock, EngineMetrics metrics, Threads threads) {
        this.rotations = rotations;
        this.ttl = ttl;
        this.clock = clock;
        this.metrics = metrics;
        this.beat = threads.scheduler("lease-keeper", 1);
    }

    void start(Watcher watcher) {
        long every = Math.max(100, ttl.toMillis() / 3);
        beat.scheduleWithFixedDelay(() -> renewAll(watcher), every, every, TimeUnit.MILLISECONDS);
    }

    void shutdown() {
        beat.shutdownNow();
    }

    Duration ttl() {
        return ttl;
    }

    Hold get(String rotationId) {
        return holds.get(rotationId);
    }

    boolean holds(String rotationId) {
        return holds.containsKey(rotationId);
    }

    /** Takes the hold unless this replica already has one; false if it had. */
    boolean add(String rotationId, Hold hold) {
        return holds.putIfAbsent(rotationId, hold) == null;
    }

    void remove(String rotationId) {
        holds.remove(rotationId);
    }

    Collection<Hold> all() {
        return holds.values();
    }

    /**
     * Renews the claim right before a side effect that cannot be undone (a dashboard change, a
     * promotion): a replica that was superseded meanwhile fails here instead of acting twice.
     */
    void fence(Hold hold) {
        if (hold.lost) {
            throw new LeaseLost("the lease on key " + hold.claim().keyId() + " was lost");
        }
        if (hold.renew(claim -> rotations.renew(claim, ttl)).isEmpty()) {
            hold.lost = true;
            throw new LeaseLost("the claim on key " + hold.claim().keyId() + " changed under this replica");
        }
    }

    private void renewAll(Watcher watcher) {
        holds.forEach((id, hold) -> {
            if (hold.lost) {
                return;
            }
            try {
                if (hold.renew(claim -> rotations.renew(claim, ttl)).isPresent()) {
                    look(id, hold, watcher);
                } else {
                    hold.lost = true;
                    Log.warnf(
                            "rotation %s: lease on key %s was taken over; this replica stops it",
                            id, hold.claim().keyId());
                }
            } catch (RuntimeException e) {
                if (hold.claim().expired(clock.instant())) {
                    // Unrenewed past its lease: another replica may hold it by now. Act as if it does.
                    hold.lost = true;
                    Log.warnf(
                            "rotation %s: lease on key %s ran out while renewal failed (%s); this replica stops it",
                            id, hold.claim().keyId(), e.getMessage());
                } else {
                    Log.warnf("rotation %s: lease renewal failed: %s", id, e.getMessage());
                }
            }
        });
    }

    /** After a renewal: anything in the record that wants the rotation run now? */
    private void look(String id, Hold hold, Watcher watcher) {
        Optional<Rotation> record = rotations.get(id);
        boolean idle = !hold.running.get();
        if (!hold.abortSeen && record.map(r -> r.abort().at() != null).orElse(false)) {
            hold.abortSeen = true;
            if (idle) {
                // Idle (in grace, a backoff, a person's step) and someone asked to abort: act now.
                watcher.wake(id);
            }
        }
        Optional<Instant> waiting = watcher.awaitingSince(id);
        if (idle
                && waiting.isPresent()
                && record.map(r -> r.personWait().answeredAt() != null
                                && r.personWait().answeredAt().isAfter(waiting.get()))
                        .orElse(false)) {
            // Answered through another replica.
            watcher.wake(id);
        }
        if (stalled(hold.running.get(), waiting.isPresent(), hold.idleSince, hold.wakeAt, clock.instant(), ttl)
                && record.map(r -> !r.state().isFinal()).orElse(false)) {
            // Held (the lease is renewed) but nobody works on it and nothing is due to: without this, no
            // replica would ever take it over. Should not happen; counted and alerted.
            Log.warnf("rotation %s: held but idle since %s with nothing scheduled; resuming it", id, hold.idleSince);
            hold.idleSince = null;
            metrics.stalledResumed();
            watcher.wake(id);
        }
    }

    /**
     * Whether a rotation this replica holds is stalled: no run inside it, not waiting for a person in the
     * dashboard, idle for more than a lease, and not waiting for a continuation that is due (with a
     * lease of slack).
     */
    static boolean stalled(
            boolean running,
            boolean awaitingDashboard,
            Instant idleSince,
            Instant wakeAt,
            Instant now,
            Duration lease) {
        if (running || awaitingDashboard || idleSince == null || !now.isAfter(idleSince.plus(lease))) {
            return false;
        }
        return wakeAt == null || now.isAfter(wakeAt.plus(lease));
    }
}
