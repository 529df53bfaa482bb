package dev.kashierrotator.testing;

import java.util.Map;

/**
 * What one test class adds to a shared test world (keys, dependents, settings that other classes of that
 * world do not notice), kept beside the test that needs it. Every Quarkus test profile is a restart of the
 * application and a build of it when the tests are discovered: classes that need only more of the world join
 * it through a part instead of a profile of their own. Parts are listed in
 * {@code META-INF/services/dev.kashierrotator.testing.WorldPart}.
 */
public interface WorldPart {

    /** The world this part joins: {@link RotatorTestResource#world()} of its resource. */
    default String world() {
        return RotatorTestResource.DEFAULT_WORLD;
    }

    /** Adds this part's keys, dependents and settings; starts what they need. */
    void addTo(Map<String, String> config);

    /** Stops what {@link #addTo} started, when the world ends. */
    default void stop() {}
}
