package dev.kashierrotator.health;

import dev.kashierrotator.schedule.RotationScheduler;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Reports keys past due. Always UP: an overdue key is a reason to page someone, not to take this
 * replica out of service (which would only make it worse).
 */
@Readiness
@ApplicationScoped
public class ScheduleReadiness implements HealthCheck {

    private final RotationScheduler scheduler;

    public ScheduleReadiness(RotationScheduler scheduler) {
        this.scheduler = scheduler;
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
                .build();
    }
}
