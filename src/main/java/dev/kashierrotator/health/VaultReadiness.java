package dev.kashierrotator.health;

import dev.kashierrotator.vault.VaultKv;
import dev.kashierrotator.vault.VaultUnavailableException;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
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
            return HealthCheckResponse.named("vault").up().withData("address", kv.address()).build();
        } catch (VaultUnavailableException e) {
            return HealthCheckResponse.named("vault").down().withData("address", kv.address())
                    .withData("error", e.getMessage()).build();
        }
    }
}
