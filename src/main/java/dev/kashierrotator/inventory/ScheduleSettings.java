package dev.kashierrotator.inventory;

import java.time.Duration;
import java.time.ZoneId;
import java.util.List;

/**
 * The scheduler's settings.
 *
 * @param tick         how often due keys are looked for
 * @param overdueAfter how long after its window closed a key that did not rotate counts as overdue
 * @param blackouts    periods in which no key rotates by schedule
 * @param retryBackoff wait after a failed scheduled rotation, doubling with each further failure
 * @param maxFailedAttempts failed scheduled tries of one key version before the scheduler stops
 * @param zone         the zone weekly blackouts and cron schedules are read in, unless a key has its own
 * @param maxPause     the longest a pause of the schedule may be set for
 */
public record ScheduleSettings(
        Duration tick,
        Duration overdueAfter,
        List<Blackout> blackouts,
        Duration retryBackoff,
        int maxFailedAttempts,
        ZoneId zone,
        Duration maxPause) {}
