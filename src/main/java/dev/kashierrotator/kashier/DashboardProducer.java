package dev.kashierrotator.kashier;

import dev.kashierrotator.config.ConfigurationProblem;
import dev.kashierrotator.config.ConfigurationProblems;
import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.rotation.Dashboard;
import dev.kashierrotator.rotation.KashierApi;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

/** The dashboard the inventory asks for ({@code manual}: a person, or {@code simulator}), and Kashier's API. */
public class DashboardProducer {

    @Produces
    @ApplicationScoped
    Dashboard dashboard(RotatorConfig config, Instance<SimulatedDashboard> simulator, ManualDashboard manual) {
        ConfigurationProblems problems = new ConfigurationProblems();
        check(config.kashier(), !simulator.isUnsatisfied(), problems);
        problems.throwIfAny();
        if (!config.kashier().simulatorDashboard()) {
            return manual;
        }
        return FaultTranslation.dashboard(simulator.get());
    }

    /**
     * The dashboard asked for is one this build has ({@code simulatorBuilt}: the local build's simulator is in
     * it): start-up's one collector ({@code ConfigurationCheck}) and the producer's guard.
     */
    public static void check(RotatorConfig.Kashier kashier, boolean simulatorBuilt, ConfigurationProblems problems) {
        if (kashier.simulatorDashboard() && !simulatorBuilt) {
            problems.add(ConfigurationProblem.saying(
                    "rotator.kashier.dashboard",
                    "rotator.kashier.dashboard=simulator, but this is the production build of the service, which "
                            + "has no simulator: set rotator.kashier.dashboard=manual (a person makes the keys in "
                            + "the Kashier dashboard), or run the local build (scripts/run-local.sh)"));
        }
    }

    /** Kashier's API as the engine sees it: the probe, with its fault-tolerance exceptions translated. */
    @Produces
    @ApplicationScoped
    KashierApi kashierApi(KashierApiProbe probe) {
        return FaultTranslation.api(probe);
    }
}
