package dev.kashierrotator.health;

import dev.kashierrotator.schedule.RotationScheduler;
import dev.kashierrotator.schedule.SchedulePause;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Reports keys past due, keys the scheduler stopped, and whether the schedule is paused. Always UP: an overdue key is a reason to page someone, not to take this
 * replica out of service (which would only make it worse).
 */
@Readiness
@ApplicationScoped
public class ScheduleReadiness implements HealthCheck {

    private final RotationScheduler scheduler;
    private final SchedulePause pause;
    private final Clock clock;

    public ScheduleReadiness(RotationScheduler scheduler, SchedulePause pause, Clock clock) {
        this.scheduler = scheduler;
        this.pause = pause;
        this.clock = clock;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("schedule")
                .up()
                .withData("overdueKeys", String.join(",", scheduler.overdue()))
                .withData(
                        "stoppedKeys",
                        scheduler.stopped().entrySet().stream()
                                .map(e -> e.getKey() + " (" + e.getValue() + ")")
                                .sorted()
                                .collect(java.util.stream.Collectors.joining("; ")))
                .withData("lastTick", scheduler.lastTick().map(Object::toString).orElse("never"))
                .withData("paused", paused())
                .build();
    }

    /**
     * The pause switch as the scheduler last read it: "no", or until when. Who paused it and why are free
     * text, for callers of the API ({@code GET /api/v1/schedule}), not for whoever reaches this port.
     */
    private String paused() {
        SchedulePause.State s = pause.lastRead();
        return s.holds(clock.instant()) ? "until " + s.until() + " (who and why: GET /api/v1/schedule)" : "no";
    }
}
