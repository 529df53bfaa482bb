package dev.kashierrotator.health;

import dev.kashierrotator.vault.VaultKv;
import dev.kashierrotator.vault.VaultUnavailableException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while Vault answers and accepts the service's token: without Vault no rotation can be safe. */
@Readiness
@ApplicationScoped
public class VaultReadiness implements HealthCheck {

    private final VaultKv kv;
    private final Clock clock;

    public VaultReadiness(VaultKv kv, Clock clock) {
        this.kv = kv;
        this.clock = clock;
    }

    /**
     * How long an answer is reused: readiness is unauthenticated and polled by every kubelet and load
     * balancer, and must not turn each poll into a Vault call (finding 18).
     */
    static final java.time.Duration REUSE = java.time.Duration.ofSeconds(2);

    private record Answer(long atMillis, HealthCheckResponse response) {}

    private volatile Answer last;

    @Override
    public HealthCheckResponse call() {
        Answer a = last;
        if (a != null && clock.millis() - a.atMillis() < REUSE.toMillis()) {
            return a.response();
        }
        synchronized (this) {
            a = last;
            if (a != null && clock.millis() - a.atMillis() < REUSE.toMillis()) {
                return a.response();
            }
            HealthCheckResponse fresh = check();
            last = new Answer(clock.millis(), fresh);
            return fresh;
        }
    }

    private HealthCheckResponse check() {
        try {
            kv.checkToken();
            // Unauthenticated, on the management port: the state and the method, not where Vault is.
            HealthCheckResponseBuilder up = HealthCheckResponse.named("vault")
                    .up()
                    .withData("auth", kv.authMethod().id());
            kv.tokenExpiresAt().ifPresent(t -> up.withData("tokenExpiresAt", t.toString()));
            return up.build();
        } catch (VaultUnavailableException e) {
            return HealthCheckResponse.named("vault")
                    .down()
                    .withData("auth", kv.authMethod().id())
                    .withData("error", e.getMessage().replace("Vault at " + kv.address(), "Vault"))
                    .build();
        }
    }
}
