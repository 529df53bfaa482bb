package dev.kashierrotator.vault;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.atomic.AtomicInteger;

/** Renews the service's Vault token in the last third of its lease, or logs in again (see {@link VaultKv}). */
@ApplicationScoped
public class VaultTokenKeeper {

    private final VaultKv kv;
    private final AtomicInteger up = new AtomicInteger();

    public VaultTokenKeeper(VaultKv kv, MeterRegistry metrics) {
        this.kv = kv;
        Gauge.builder("rotator.vault.up", up, AtomicInteger::get)
                .description("1 while Vault answers and accepts the service's token, else 0")
                .register(metrics);
    }

    @Scheduled(
            every = "${rotator.vault.auth.check-interval:10s}",
            delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void keep() {
        try {
            kv.maintainToken();
            kv.checkToken();
            up.set(1);
        } catch (VaultUnavailableException e) {
            // Readiness reports it too; the next check tries again.
            up.set(0);
            Log.warnf("Vault check failed: %s", e.getMessage());
        }
    }
}
