package dev.kashierrotator.schedule;

import dev.kashierrotator.vault.VaultUnavailableException;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;

/** The scheduler's heartbeat: asks {@link RotationScheduler} for due keys every {@code rotator.schedule.tick}. */
@ApplicationScoped
public class ScheduleTick {

    private final RotationScheduler scheduler;
    private final Clock clock;

    public ScheduleTick(RotationScheduler scheduler, Clock clock) {
        this.scheduler = scheduler;
        this.clock = clock;
    }

    @Scheduled(
            every = "{rotator.schedule.tick}",
            delayed = "{rotator.schedule.first-tick}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        try {
            RotationScheduler.TickReport report = scheduler.tick(clock.instant());
            if (!report.started().isEmpty() || !report.overdue().isEmpty()) {
                Log.infof(
                        "schedule tick: %d key(s) evaluated, started %s, overdue %s",
                        report.evaluated(), report.started(), report.overdue());
            }
        } catch (VaultUnavailableException e) {
            Log.warnf("schedule tick skipped: %s", e.getMessage());
        }
    }
}
