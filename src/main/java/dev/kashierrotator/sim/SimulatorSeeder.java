package dev.kashierrotator.sim;

import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.rotation.KeyStore;
import dev.kashierrotator.rotation.StoredKey;
import dev.kashierrotator.vault.CasConflictException;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;

/**
 * With the simulator on, makes Vault and the simulator agree before the first rotation: a key missing
 * from Vault is issued by the simulator and stored; a key already in Vault is registered with the
 * simulator as active (its state lives only as long as the process).
 */
@ApplicationScoped
public class SimulatorSeeder {

    private final Inventory inventory;
    private final KeyStore keys;
    private final KashierSimulator simulator;

    public SimulatorSeeder(Inventory inventory, KeyStore keys, KashierSimulator simulator) {
        this.inventory = inventory;
        this.keys = keys;
        this.simulator = simulator;
    }

    public void seed() {
        int seeded = 0;
        int adopted = 0;
        for (KeySpec key : inventory.keys()) {
            Optional<StoredKey> current = keys.current(key.id());
            if (current.isPresent()) {
                simulator.adopt(key.mode(), key.mid(), key.kind().id(), key.user(), current.get().value(),
                        current.get().kashierKeyId());
                adopted++;
                continue;
            }
            KashierSimulator.ShownKey shown = key.isPaymentKey()
                    ? simulator.issuePaymentKey(key.mode(), key.mid())
                    : simulator.changeSecretKey(key.mode(), key.mid(), key.user());
            StoredKey fresh = StoredKey.of(shown.key(),
                    key.isPaymentKey() ? Optional.of(shown.id()) : Optional.empty(), Instant.now());
            try {
                StoredKey stored = keys.promote(key.id(), fresh, 0);
                Log.infof("seeded key %s from the simulator: fingerprint %s, version %d", key.id(),
                        stored.fingerprint(), stored.version());
                seeded++;
            } catch (CasConflictException e) {
                // Another replica seeded it first: use theirs.
                keys.current(key.id()).ifPresent(k -> simulator.adopt(key.mode(), key.mid(), key.kind().id(),
                        key.user(), k.value(), k.kashierKeyId()));
            }
        }
        Log.infof("simulator seeding: %d key(s) seeded, %d already in Vault", seeded, adopted);
    }
}
