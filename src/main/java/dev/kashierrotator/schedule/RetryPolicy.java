package dev.kashierrotator.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Whether the scheduler may try a key again after its scheduled rotations failed. Pure, like
 * {@link DuePolicy}. A scheduled rotation that ends FAILED, ROLLED_BACK or ABORTED leaves the key due;
 * without this the next tick would start another (and in manual mode page a person again) every
 * minute. Only failures of the key's current version count: any rotation that changed the key, or a
 * manual one that ended well, starts the count afresh.
 */
public final class RetryPolicy {

    private RetryPolicy() {}

    /** One past rotation of the key, newest first as the index lists them. */
    public record Attempt(boolean scheduled, boolean failed, long fromVersion, Instant endedAt) {}

    /**
     * What the scheduler may do.
     *
     * @param notBefore when it may try next, if it must wait
     * @param gaveUp    it tried {@code max} times and stopped: a person must rotate the key
     * @param failures  consecutive failed scheduled tries of the current version
     */
    public record Decision(Optional<Instant> notBefore, boolean gaveUp, int failures) {

        public boolean mayStart(Instant now) {
            return !gaveUp && notBefore.map(t -> !now.isBefore(t)).orElse(true);
        }

        /** Why not, for the tick report and the health check. */
        public String why() {
            return gaveUp
                    ? failures + " scheduled rotations of this key version failed: the scheduler stopped; "
                            + "rotate it by hand once the cause is fixed"
                    : failures + " scheduled rotation(s) of this key version failed: next try not before "
                            + notBefore.map(Instant::toString).orElse("now");
        }
    }

    public static Decision decide(List<Attempt> newestFirst, long currentVersion, Duration backoff, int max) {
        int failures = 0;
        Instant lastEnd = null;
        for (Attempt a : newestFirst) {
            if (a.fromVersion() != currentVersion || !a.failed()) {
                break;
            }
            if (!a.scheduled()) {
                // A person's own attempt failed too; it says nothing about the schedule's: skip over it.
                continue;
            }
            failures++;
            if (lastEnd == null) {
                lastEnd = a.endedAt();
            }
        }
        if (failures == 0) {
            return new Decision(Optional.empty(), false, 0);
        }
        if (failures >= max) {
            return new Decision(Optional.empty(), true, failures);
        }
        Duration wait = backoff.multipliedBy(1L << Math.min(failures - 1, 20));
        return new Decision(Optional.of(lastEnd.plus(wait)), false, failures);
    }
}
