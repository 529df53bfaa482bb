package dev.kashierrotator.inventory;

import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

/**
 * A key's rotation schedule: a fixed period or a cron expression, an optional start window, a
 * per-key jitter, blackout periods (the key's own and the global ones, each knowing its zone) and the
 * zone its cron times are read in.
 */
public record SchedulePolicy(
        Optional<Duration> every,
        Optional<String> cron,
        Optional<Duration> window,
        Duration jitter,
        List<Blackout> blackouts,
        ZoneId zone) {

    public SchedulePolicy(Optional<Duration> every, Optional<String> cron, Optional<Duration> window) {
        this(every, cron, window, Duration.ZERO, List.of(), ZoneOffset.UTC);
    }
}
