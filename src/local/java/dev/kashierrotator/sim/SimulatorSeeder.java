package dev.kashierrotator.sim;

import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.kashier.KashierUnavailableException;
import dev.kashierrotator.rotation.Dashboard;
import dev.kashierrotator.rotation.IssuedKey;
import dev.kashierrotator.rotation.KeyStore;
import dev.kashierrotator.rotation.StoredKey;
import dev.kashierrotator.vault.CasConflictException;
import dev.kashierrotator.vault.VaultUnavailableException;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.time.Instant;
import java.util.Optional;

/**
 * With the simulator as the dashboard, makes Vault and the simulator agree before the first rotation:
 * a key missing from Vault is issued by the simulator and stored. When this process serves the
 * simulator itself, a key already in Vault is also registered with it as active, since the
 * simulator's state lives only as long as the process.
 */
@ApplicationScoped
public class SimulatorSeeder {

    private final Inventory inventory;
    private final KeyStore keys;
    private final KashierSimulator local;
    private final Dashboard dashboard;
    private final boolean servedHere;
    private final boolean simulatorDashboard;

    public SimulatorSeeder(
            Inventory inventory, KeyStore keys, KashierSimulator local, Dashboard dashboard, RotatorConfig config) {
        this.inventory = inventory;
        this.keys = keys;
        this.local = local;
        this.dashboard = dashboard;
        this.servedHere = config.kashier().simulator().enabled();
        this.simulatorDashboard = config.kashier().simulatorDashboard();
    }

    /** At start-up, before the rotations are resumed (docs/configuration.md, Kashier simulator). */
    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION + 100) StartupEvent event) {
        if (applies()) {
            try {
                seed();
            } catch (VaultUnavailableException | KashierUnavailableException e) {
                Log.errorf("simulator seeding skipped: %s", e.getMessage());
            }
        }
    }

    /** Whether seeding applies: the simulator is the dashboard, or this process serves it (docs/configuration.md, Vault layout). */
    public boolean applies() {
        return simulatorDashboard || servedHere;
    }

    public void seed() {
        int seeded = 0;
        int adopted = 0;
        for (KeySpec key : inventory.keys()) {
            Optional<StoredKey> current = keys.current(key.id());
            if (current.isPresent()) {
                if (servedHere) {
                    adopt(key, current.get());
                }
                adopted++;
                continue;
            }
            StoredKey fresh = issue(key);
            try {
                StoredKey stored = keys.promote(key.id(), fresh, 0);
                Log.infof(
                        "seeded key %s from the simulator: fingerprint %s, version %d",
                        key.id(), stored.fingerprint(), stored.version());
                seeded++;
            } catch (CasConflictException e) {
                // Another replica seeded it first: use theirs, and take ours off the dashboard again.
                if (key.isPaymentKey()) {
                    dashboard.deletePaymentKey(key, fresh.kashierKeyId().orElse(null), fresh.fingerprint());
                }
                if (servedHere) {
                    keys.current(key.id()).ifPresent(k -> adopt(key, k));
                }
            }
        }
        Log.infof("simulator seeding: %d key(s) seeded, %d already in Vault", seeded, adopted);
    }

    private StoredKey issue(KeySpec key) {
        if (servedHere) {
            KashierSimulator.ShownKey shown = key.isPaymentKey()
                    ? local.issuePaymentKey(key.mode(), key.mid())
                    : local.changeSecretKey(key.mode(), key.mid(), firstUser(key));
            return StoredKey.of(
                            shown.key(), key.isPaymentKey() ? Optional.of(shown.id()) : Optional.empty(), Instant.now())
                    .withUser(key.alternates() ? firstUser(key) : null);
        }
        IssuedKey issued =
                key.isPaymentKey() ? dashboard.issuePaymentKey(key) : dashboard.changeSecretKey(key, firstUser(key));
        return StoredKey.of(issued.value(), issued.kashierKeyId(), Instant.now())
                .withUser(key.alternates() ? firstUser(key) : null);
    }

    private static String firstUser(KeySpec key) {
        return key.users().get(0);
    }

    private void adopt(KeySpec key, StoredKey k) {
        local.adopt(key.mode(), key.mid(), key.kind().id(), k.user().orElse(key.user()), k.value(), k.kashierKeyId());
    }
}
