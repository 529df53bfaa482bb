package dev.kashierrotator.health;

import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.rotation.Dashboard;
import dev.kashierrotator.rotation.RotationEngine;
import dev.kashierrotator.security.AccessControl;
import dev.kashierrotator.vault.VaultKv;
import dev.kashierrotator.vault.VaultUnavailableException;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Runs at start-up, after the configuration has passed its check ({@code ConfigurationCheck}): reports the
 * inventory, builds the Vault client and the dashboard, and resumes unfinished rotations. (In the local
 * build, the simulator's keys are seeded and the demo dependents started just before.)
 */
@ApplicationScoped
public class StartupChecks {

    void onStart(
            @Observes StartupEvent event,
            Inventory inventory,
            VaultKv kv,
            Dashboard dashboard,
            RotationEngine engine,
            AccessControl access) {
        // Asking the dashboard makes it: a dashboard this build cannot provide stops start-up here.
        Log.infof(
                "inventory: %d key(s), %d dependent(s); Vault %s, mount %s; dashboard %s",
                inventory.keys().size(),
                inventory.dependents().size(),
                kv.address(),
                kv.mount(),
                dashboard.automated() ? "simulator" : "manual");
        if (!access.anyToken()) {
            Log.warn("no API token (rotator.security.tokens) and no ROTATOR_BOOTSTRAP_TOKEN: every /api call will "
                    + "answer 401");
        }
        try {
            int resumed = engine.resumeUnfinished();
            Log.infof("replica %s started; %d unfinished rotation(s) resumed", engine.instanceId(), resumed);
        } catch (VaultUnavailableException e) {
            Log.errorf("could not look for unfinished rotations yet: %s", e.getMessage());
        }
    }
}
