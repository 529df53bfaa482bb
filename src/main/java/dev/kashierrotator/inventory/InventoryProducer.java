package dev.kashierrotator.inventory;

import dev.kashierrotator.config.RotatorConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Makes the validated inventory injectable; validation runs once, at start-up (see {@code StartupChecks}). */
public class InventoryProducer {

    @Produces
    @Singleton
    Inventory inventory(RotatorConfig config) {
        return InventoryLoader.load(config);
    }
}
