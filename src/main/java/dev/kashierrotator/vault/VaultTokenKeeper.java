package dev.kashierrotator.vault;

import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

/** Renews the service's Vault token in the last third of its lease, or logs in again (see {@link VaultKv}). */
@ApplicationScoped
public class VaultTokenKeeper {

    private final VaultKv kv;

    public VaultTokenKeeper(VaultKv kv) {
        this.kv = kv;
    }

    @Scheduled(every = "${rotator.vault.auth.check-interval:10s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void keep() {
        try {
            kv.maintainToken();
        } catch (VaultUnavailableException e) {
            // Readiness reports it; the next check tries again.
            Log.warnf("keeping the Vault token alive failed: %s", e.getMessage());
        }
    }
}
