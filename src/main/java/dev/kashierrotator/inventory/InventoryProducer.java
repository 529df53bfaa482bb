package dev.kashierrotator.inventory;

import dev.kashierrotator.config.RotatorConfig;
import io.quarkus.runtime.configuration.ConfigUtils;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.List;

/** Makes the validated inventory injectable; validation runs once, at start-up (see {@code StartupChecks}). */
public class InventoryProducer {

    @Produces
    @Singleton
    Inventory inventory(RotatorConfig config) {
        // The main profile: "simulated" (a stand-in for Kashier in tests) has prod as its parent.
        List<String> profiles = ConfigUtils.getProfiles();
        return InventoryLoader.load(
                config, !profiles.isEmpty() && profiles.get(0).equals("prod"));
    }
}
