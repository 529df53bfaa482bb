package dev.kashierrotator.inventory;

import java.time.Duration;
import java.util.List;

/**
 * The scheduler's settings.
 *
 * @param tick         how often due keys are looked for
 * @param overdueAfter how long after its window closed a key that did not rotate counts as overdue
 * @param blackouts    periods in which no key rotates by schedule
 * @param retryBackoff wait after a failed scheduled rotation, doubling with each further failure
 * @param maxFailedAttempts failed scheduled tries of one key version before the scheduler stops
 */
public record ScheduleSettings(
        Duration tick, Duration overdueAfter, List<Blackout> blackouts, Duration retryBackoff, int maxFailedAttempts) {}
