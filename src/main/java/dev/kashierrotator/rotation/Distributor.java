package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.RolloutPolicy;

/** Hands a key to every dependent of a rotation in staged waves, recording each outcome in the rotation. */
public interface Distributor {

    /**
     * Runs the rotation's waves in ascending order (all at once when {@code allAtOnce}) and returns when
     * every dependent confirmed the new key.
     *
     * @param progress called after outcomes change, to persist the rotation record
     * @throws RolloutFailedException naming the first dependent that failed; later waves are not called
     */
    void distribute(Rotation rotation, Delivery delivery, RolloutPolicy policy, boolean allAtOnce, Runnable progress);

    /** A wave failed. */
    class RolloutFailedException extends RuntimeException {
        public RolloutFailedException(String message) {
            super(message);
        }
    }
}
