package dev.kashierrotator.testing;

import dev.kashierrotator.ConfigurationCheck;
import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.inventory.InventoryConfig;
import dev.kashierrotator.inventory.InventoryLoader;
import dev.kashierrotator.inventory.MappingIgnores;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * The service's configuration mappings ({@link RotatorConfig}, {@link InventoryConfig}) over given sources,
 * converting values as Quarkus does, and the start-up check over them.
 */
public final class ConfigMappings {

    private ConfigMappings() {}

    public static RotatorConfig rotator(ConfigSource... sources) {
        return config(sources).getConfigMapping(RotatorConfig.class);
    }

    public static InventoryConfig inventory(ConfigSource... sources) {
        return config(sources).getConfigMapping(InventoryConfig.class);
    }

    /** The inventory over these sources, or an {@code InvalidConfiguration} naming every problem with it. */
    public static Inventory load(ConfigSource... sources) {
        SmallRyeConfig config = config(sources);
        return InventoryLoader.load(
                config.getConfigMapping(RotatorConfig.class), config.getConfigMapping(InventoryConfig.class), config);
    }

    /**
     * The inventory a service in the prod profile ({@code prodProfile}) or another would start with, as the
     * local build (which has the simulator) checks it: every start-up rule applied, every problem at once.
     */
    public static Inventory checked(boolean prodProfile, ConfigSource... sources) {
        return checked(prodProfile, true, sources);
    }

    /** As {@link #checked(boolean, ConfigSource...)}, by a build that has the simulator or not. */
    public static Inventory checked(boolean prodProfile, boolean simulatorBuilt, ConfigSource... sources) {
        SmallRyeConfig config = config(sources);
        return ConfigurationCheck.check(
                config.getConfigMapping(RotatorConfig.class),
                config.getConfigMapping(InventoryConfig.class),
                config,
                prodProfile,
                simulatorBuilt);
    }

    private static SmallRyeConfig config(ConfigSource... sources) {
        return new SmallRyeConfigBuilder()
                .withMapping(RotatorConfig.class)
                .withMapping(InventoryConfig.class)
                .withCustomizers(new MappingIgnores())
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(sources)
                .build();
    }
}
