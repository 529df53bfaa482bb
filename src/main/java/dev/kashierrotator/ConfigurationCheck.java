package dev.kashierrotator;

import dev.kashierrotator.config.ConfigurationProblems;
import dev.kashierrotator.config.InvalidConfiguration;
import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.config.SettingsRules;
import dev.kashierrotator.config.UrlRules;
import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.inventory.InventoryConfig;
import dev.kashierrotator.inventory.InventoryLoader;
import dev.kashierrotator.kashier.DashboardProducer;
import dev.kashierrotator.kashier.SimulatedDashboard;
import dev.kashierrotator.security.AccessControl;
import dev.kashierrotator.vault.VaultKv;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigUtils;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import java.util.List;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The configuration checked once, at start-up, before anything uses it: the service's own settings, the Vault
 * client's, the dashboard's, the API's roles and tokens, and the inventory, each by the rules kept beside what
 * they govern, every problem added to one collector, so that start-up stops once naming all of them
 * ({@link InvalidConfiguration}, recognised by its type). Makes the inventory injectable. The beans that use
 * a part (the Vault client, the dashboard, the access control) apply its rules again as a guard.
 */
@ApplicationScoped
public class ConfigurationCheck {

    @Produces
    @Singleton
    Inventory inventory(RotatorConfig config, InventoryConfig configured, Instance<SimulatedDashboard> simulator) {
        // The main profile: "simulated" (a stand-in for Kashier in tests) has prod as its parent.
        List<String> profiles = ConfigUtils.getProfiles();
        return check(
                config,
                configured,
                ConfigProvider.getConfig(),
                !profiles.isEmpty() && profiles.get(0).equals("prod"),
                !simulator.isUnsatisfied());
    }

    /** Before any other start-up work: a configuration that cannot work stops start-up here, whole. */
    void first(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event, Inventory inventory) {
        // Injecting the inventory ran the check.
    }

    /**
     * The inventory of a configuration that passes every rule, or an {@link InvalidConfiguration} naming each
     * problem (the dependents read from {@code raw}, the configuration the mappings were made of): of a
     * service in the prod profile ({@code prodProfile}), where the simulator is refused, or
     * another; of a build that has the simulator ({@code simulatorBuilt}) or not.
     */
    public static Inventory check(
            RotatorConfig config, InventoryConfig configured, Config raw, boolean prodProfile, boolean simulatorBuilt) {
        ConfigurationProblems problems = new ConfigurationProblems();
        SettingsRules.check(config, prodProfile, new UrlRules(config.security(), problems), problems);
        VaultKv.check(config.vault(), problems);
        DashboardProducer.check(config.kashier(), simulatorBuilt, problems);
        AccessControl.check(config, problems);
        Inventory inventory = InventoryLoader.check(config, configured, raw, problems);
        problems.throwIfAny();
        return inventory;
    }
}
