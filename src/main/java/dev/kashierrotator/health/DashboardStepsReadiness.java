package dev.kashierrotator.health;

import dev.kashierrotator.rotation.RotationEngine;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.stream.Collectors;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Rotations waiting for a person in the Kashier dashboard, and those waiting too long. Always UP: a
 * forgotten human step is a reason to page someone, and it must never wait silently.
 */
@Readiness
@ApplicationScoped
public class DashboardStepsReadiness implements HealthCheck {

    private final RotationEngine engine;

    public DashboardStepsReadiness(RotationEngine engine) {
        this.engine = engine;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("dashboard-steps")
                .up()
                .withData(
                        "waiting",
                        engine.awaitingDashboard().stream()
                                .map(a -> a.rotationId() + " (" + a.keyId() + ", " + a.step() + ", since " + a.since()
                                        + ")")
                                .collect(Collectors.joining("; ")))
                .withData(
                        "waitingTooLong",
                        engine.overdueSteps().stream().map(a -> a.rotationId()).collect(Collectors.joining(",")))
                .withData(
                        "retryingWithOldKeyDead",
                        engine.retryingWithoutLimit().entrySet().stream()
                                .map(e -> e.getKey() + " (" + e.getValue() + ")")
                                .sorted()
                                .collect(Collectors.joining("; ")))
                .build();
    }
}
