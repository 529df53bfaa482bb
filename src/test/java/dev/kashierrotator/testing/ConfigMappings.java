package dev.kashierrotator.testing;

import dev.kashierrotator.config.RotatorConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import org.eclipse.microprofile.config.spi.ConfigSource;

/** The service's {@link RotatorConfig} mapping over given sources, converting values as Quarkus does. */
public final class ConfigMappings {

    private ConfigMappings() {}

    public static RotatorConfig rotator(ConfigSource... sources) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(RotatorConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(sources)
                .build();
        return config.getConfigMapping(RotatorConfig.class);
    }
}
