package dev.kashierrotator.inventory;

import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.SmallRyeConfigBuilderCustomizer;

/**
 * Entries under the mappings' prefix that no mapping reads, so that SmallRye Config's check of unknown entries
 * leaves them to the code that does: the dependents ({@link DependentSettings}, which names an unknown
 * setting itself). Registered in {@code META-INF/services}, as Quarkus' configuration guide has it.
 */
public class MappingIgnores implements SmallRyeConfigBuilderCustomizer {

    @Override
    public void configBuilder(SmallRyeConfigBuilder builder) {
        builder.withMappingIgnore(DependentSettings.PREFIX + "**");
    }
}
