package dev.kashierrotator.health;

import dev.kashierrotator.vault.VaultKv;
import dev.kashierrotator.vault.VaultUnavailableException;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while Vault answers and accepts the service's token: without Vault no rotation can be safe. */
@Readiness
@ApplicationScoped
public class VaultReadiness implements HealthCheck {

    private final VaultKv kv;

    public VaultReadiness(VaultKv kv) {
        this.kv = kv;
    }

    @Override
    public HealthCheckResponse call() {
        try {
            kv.checkToken();
            HealthCheckResponseBuilder up = HealthCheckResponse.named("vault").up().withData("address", kv.address())
                    .withData("auth", kv.authMethod());
            kv.tokenExpiresAt().ifPresent(t -> up.withData("tokenExpiresAt", t.toString()));
            return up.build();
        } catch (VaultUnavailableException e) {
            return HealthCheckResponse.named("vault").down().withData("address", kv.address())
                    .withData("auth", kv.authMethod()).withData("error", e.getMessage()).build();
        }
    }
}
