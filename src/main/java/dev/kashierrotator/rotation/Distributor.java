package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.RolloutPolicy;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/** Hands a key to every dependent of a rotation in staged waves, recording each outcome in the rotation. */
public interface Distributor {

    /**
     * Runs the rotation's waves in ascending order (all at once when {@code allAtOnce}). Staged, a wave
     * already {@code DONE} (in an earlier call) is not run again, and between waves the policy's soak is
     * kept: when it has not passed yet, the call returns the instant it ends instead of waiting, and the
     * caller calls again then (the soak is measured from the previous wave's end, in the record, so it
     * survives a restart).
     *
     * @param progress told when outcomes change, to persist the rotation record
     * @param stop     checked while waiting: true ends the rollout early (an abort was asked for)
     * @return empty when every dependent confirmed the new key; else when the soak before the next wave ends
     * @throws RolloutFailedException naming the first dependent that failed; later waves are not called
     */
    Optional<Instant> distribute(
            Rotation rotation,
            Delivery delivery,
            RolloutPolicy policy,
            boolean allAtOnce,
            Progress progress,
            BooleanSupplier stop);

    /** Where a rollout reports its progress. */
    interface Progress {
        /** A wave started or ended: worth recording at once. */
        void waveChanged();

        /** One dependent's outcome changed: may be recorded lazily (a big wave must not flood Vault). */
        void dependentChanged();

        /**
         * A dependent moved on within its attempt (delivered, now being verified): recorded lazily like an
         * outcome, so that whoever watches sees it verifying (a Kubernetes rollout can take minutes).
         */
        default void dependentProgressed() {}

        /**
         * Records the dependent changes {@link #dependentChanged} left for later, if any. Called while a wave
         * waits for its dependents, so that a change is recorded within a moment even when no other follows.
         */
        default void catchUp() {}
    }

    /**
     * Hands the old key back to the given dependents (all at once) and waits until each reports it.
     *
     * @return the ids of the dependents that did not take it back, with why
     */
    Map<String, String> restore(Rotation rotation, Delivery rollback, List<String> dependents, RolloutPolicy policy);

    /**
     * Forgets the recent failures of these dependents (closes their circuit breakers): a person says they
     * are fixed, or a last delivery before an expiry must really reach them.
     */
    void forgetFailures(List<String> dependents);

    /** Those of the given dependents that report the delivery's key now (one verify call each). */
    List<String> reporting(Delivery delivery, List<String> dependents);

    /** A wave failed. */
    class RolloutFailedException extends RuntimeException {
        public RolloutFailedException(String message) {
            super(message);
        }
    }
}
