package dev.kashierrotator.inventory;

import java.time.Duration;

/**
 * How dependents are updated: waves in ascending order, {@code maxConcurrency} at a time within a
 * wave, {@code soak} between waves.
 */
public record RolloutPolicy(Duration soak, int maxConcurrency, Duration verifyTimeout, int deliveryAttempts,
                            Duration callTimeout) {

    /** The same policy with every wave at once and no soak (secret keys, whose old key is already dead). */
    public RolloutPolicy allAtOnce() {
        return new RolloutPolicy(Duration.ZERO, maxConcurrency, verifyTimeout, deliveryAttempts, callTimeout);
    }
}
