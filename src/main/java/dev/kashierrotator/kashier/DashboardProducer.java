package dev.kashierrotator.kashier;

import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.rotation.Dashboard;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** The dashboard the inventory asks for: {@code manual} (a person) or {@code simulator}. */
public class DashboardProducer {

    @Produces
    @ApplicationScoped
    Dashboard dashboard(RotatorConfig config, SimulatorDashboard simulator, ManualDashboard manual) {
        return "simulator".equals(config.kashier().dashboard()) ? simulator : manual;
    }
}
