package dev.kashierrotator.inventory;

import java.time.Duration;
import java.util.List;

/**
 * The scheduler's settings.
 *
 * @param tick         how often due keys are looked for
 * @param overdueAfter how long after its window closed a key that did not rotate counts as overdue
 * @param blackouts    periods in which no key rotates by schedule
 */
public record ScheduleSettings(Duration tick, Duration overdueAfter, List<Blackout> blackouts) {
}
