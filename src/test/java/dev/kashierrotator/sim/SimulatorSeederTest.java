package dev.kashierrotator.sim;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.testing.ConfigMappings;
import io.smallrye.config.PropertiesConfigSource;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Which services seed Vault from the simulator at start-up: the one whose dashboard is the simulator, even
 * when another process serves it (the replicas and kkr integration tests start the service that way), and
 * the one that serves it; a service in manual mode that serves none never does.
 */
@Tag("fast")
class SimulatorSeederTest {

    private static boolean applies(String dashboard, boolean servedHere) {
        return new SimulatorSeeder(
                        null,
                        null,
                        null,
                        null,
                        ConfigMappings.rotator(new PropertiesConfigSource(
                                Map.of(
                                        "rotator.kashier.dashboard",
                                        dashboard,
                                        "rotator.kashier.simulator.enabled",
                                        Boolean.toString(servedHere)),
                                "seeder-test",
                                100)))
                .applies();
    }

    @Test
    void theSimulatorAsTheDashboardSeedsWhereverItIsServed() {
        assertTrue(applies("simulator", false), "served by another process");
        assertTrue(applies("simulator", true));
        assertTrue(applies("manual", true), "served here");
        assertFalse(applies("manual", false));
    }
}
