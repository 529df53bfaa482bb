package dev.kashierrotator.health;

import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.kashier.KashierUnavailableException;
import dev.kashierrotator.rotation.RotationEngine;
import dev.kashierrotator.security.AccessControl;
import dev.kashierrotator.sim.DemoDependents;
import dev.kashierrotator.sim.SimulatorSeeder;
import dev.kashierrotator.vault.VaultKv;
import dev.kashierrotator.vault.VaultUnavailableException;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Runs at start-up: validates the inventory (start-up stops with one line per problem), builds the
 * Vault client (stops when no address or token is configured), seeds keys from the simulator, starts
 * the demo dependents when configured, and resumes unfinished rotations.
 */
@ApplicationScoped
public class StartupChecks {

    void onStart(@Observes StartupEvent event, Inventory inventory, VaultKv kv, RotatorConfig config,
                 SimulatorSeeder seeder, DemoDependents demo, RotationEngine engine, AccessControl access) {
        Log.infof("inventory: %d key(s), %d dependent(s); Vault %s, mount %s; dashboard %s",
                inventory.keys().size(), inventory.dependents().size(), kv.address(), kv.mount(),
                config.kashier().dashboard());
        if (!access.anyToken()) {
            Log.warn("no API token (rotator.security.tokens) and no ROTATOR_BOOTSTRAP_TOKEN: every /api call will "
                    + "answer 401");
        }
        if (seeder.applies()) {
            try {
                seeder.seed();
            } catch (VaultUnavailableException | KashierUnavailableException e) {
                Log.errorf("simulator seeding skipped: %s", e.getMessage());
            }
        }
        demo.start();
        try {
            int resumed = engine.resumeUnfinished();
            Log.infof("replica %s started; %d unfinished rotation(s) resumed", engine.instanceId(), resumed);
        } catch (VaultUnavailableException e) {
            Log.errorf("could not look for unfinished rotations yet: %s", e.getMessage());
        }
    }
}
