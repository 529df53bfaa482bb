package dev.kashierrotator.health;

import dev.kashierrotator.rollout.WarmUp;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * DOWN while the start-up rehearsal of the rollout runs ({@link WarmUp}, bounded), then UP whatever its
 * outcome: a failed rehearsal only means the first rotation runs slower, never that the replica may not
 * serve.
 */
@Readiness
@ApplicationScoped
public class WarmUpReadiness implements HealthCheck {

    private final WarmUp warmUp;

    public WarmUpReadiness(WarmUp warmUp) {
        this.warmUp = warmUp;
    }

    @Override
    public HealthCheckResponse call() {
        WarmUp.State s = warmUp.state();
        return HealthCheckResponse.named("warm-up")
                .status(s.done())
                .withData("outcome", s.outcome())
                .build();
    }
}
