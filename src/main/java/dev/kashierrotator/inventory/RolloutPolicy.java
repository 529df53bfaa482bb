package dev.kashierrotator.inventory;

import java.time.Duration;

/**
 * How dependents are updated: waves in ascending order, {@code maxConcurrency} at a time within a
 * wave, {@code soak} between waves; a wave after the canary fails when more than
 * {@code failureThresholdPercent} of its dependents fail; a dependent whose last {@code breakerThreshold}
 * calls all failed is not called for {@code breakerDelay}.
 */
public record RolloutPolicy(
        Duration soak,
        int maxConcurrency,
        Duration verifyTimeout,
        int deliveryAttempts,
        Duration callTimeout,
        int failureThresholdPercent,
        int breakerThreshold,
        Duration breakerDelay) {

    /** The same policy with every wave at once and no soak (secret keys, whose old key is already dead). */
    public RolloutPolicy allAtOnce() {
        return new RolloutPolicy(
                Duration.ZERO,
                maxConcurrency,
                verifyTimeout,
                deliveryAttempts,
                callTimeout,
                failureThresholdPercent,
                breakerThreshold,
                breakerDelay);
    }

    /** Whether a wave with {@code failed} of {@code total} dependents failed; the canary (wave 0) tolerates none. */
    public boolean waveFails(int wave, int failed, int total) {
        if (failed == 0) {
            return false;
        }
        return wave == 0 || failed * 100L > (long) failureThresholdPercent * total;
    }
}
