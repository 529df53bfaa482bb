package dev.kashierrotator.inventory;

import java.time.Duration;

/**
 * How dependents are updated: waves in ascending order, {@code maxConcurrency} at a time within a
 * wave, {@code soak} between waves.
 */
public record RolloutPolicy(
        Duration soak,
        int maxConcurrency,
        Duration verifyTimeout,
        int deliveryAttempts,
        Duration callTimeout,
        int failureThresholdPercent) {

    /** The same policy with every wave at once and no soak (secret keys, whose old key is already dead). */
    public RolloutPolicy allAtOnce() {
        return new RolloutPolicy(
                Duration.ZERO, maxConcurrency, verifyTimeout, deliveryAttempts, callTimeout, failureThresholdPercent);
    }

    /** Whether a wave with {@code failed} of {@code total} dependents failed; the canary (wave 0) tolerates none. */
    public boolean waveFails(int wave, int failed, int total) {
        if (failed == 0) {
            return false;
        }
        return wave == 0 || failed * 100L > (long) failureThresholdPercent * total;
    }
}
