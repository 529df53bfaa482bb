package dev.kashierrotator.rotation;

import io.quarkus.logging.Log;
import java.time.Clock;

/**
 * Writes rotation records, fenced: a replica that lost its lease (or was overtaken by a newer epoch)
 * cannot write. The one merge it does is an abort request written meanwhile through the API, which the
 * running replica takes on instead of overwriting.
 */
final class RecordWriter {

    private final RotationStore rotations;
    private final RotationHooks hooks;
    private final Clock clock;
    private final String instanceId;

    RecordWriter(RotationStore rotations, RotationHooks hooks, Clock clock, String instanceId) {
        this.rotations = rotations;
        this.hooks = hooks;
        this.clock = clock;
        this.instanceId = instanceId;
    }

    /** Persists the record with check-and-set; throws {@link LeaseLost} if this replica no longer owns it. */
    void save(Rotation r, Hold hold) {
        // One write at a time per rotation (check-and-set order); the record itself is locked only while
        // it is serialised.
        hold.write(() -> {
            if (hold.lost) {
                throw new LeaseLost("the lease on key " + r.keyId() + " was taken over");
            }
            r.touch(clock.instant());
            try {
                rotations.update(r);
            } catch (StaleWriteException e) {
                // Either another replica took the rotation over, or someone asked to abort it.
                Rotation stored = rotations.get(r.id()).orElse(null);
                if (stored == null
                        || !stored.lease().heldBy(instanceId, hold.claim().epoch())
                        || stored.abort().at() == null) {
                    hold.lost = true;
                    throw new LeaseLost("another replica wrote rotation " + r.id());
                }
                r.takeAbortRequest(stored);
                rotations.update(r);
            }
        });
    }

    /**
     * Records a rollout's progress. Best effort: the rollout itself goes on if Vault hiccups (the step's
     * own record at its end carries the state, and is retried); only a lost lease stops it.
     */
    void progress(Rotation r, Hold hold) {
        try {
            hooks.beforeProgressSave(r);
            save(r, hold);
        } catch (PassingFailure e) {
            Log.warnf(
                    "rotation %s key %s: progress not recorded (%s); the rollout goes on",
                    r.id(), r.keyId(), e.getMessage());
        }
    }

    /** Persists if Vault answers; a retry's record catches up at the next successful write. */
    void trySave(Rotation r, Hold hold) {
        try {
            save(r, hold);
        } catch (PassingFailure e) {
            // Vault is what failed: the record catches up at the next successful write.
        }
    }
}
