package dev.kashierrotator.inventory;

import java.time.Duration;
import java.util.Optional;

/** A key's rotation schedule: a fixed period or a cron expression, and an optional start window. */
public record SchedulePolicy(Optional<Duration> every, Optional<String> cron, Optional<Duration> window) {
}
