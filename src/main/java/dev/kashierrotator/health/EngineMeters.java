package dev.kashierrotator.health;

import dev.kashierrotator.rotation.EngineMetrics;
import dev.kashierrotator.rotation.Rotation;
import dev.kashierrotator.rotation.RotationEngine;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;

/** The rotation engine's figures in Micrometer (and so at {@code /q/metrics}). */
@ApplicationScoped
public class EngineMeters implements EngineMetrics {

    private final MeterRegistry registry;

    public EngineMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Counters that alerts read exist from the start (at zero), and the gauges read the engine. */
    void register(@Observes StartupEvent event, RotationEngine engine) {
        registry.counter("rotator.rotations.stalled.resumed");
        registry.counter("rotator.rotations.superseded");
        Gauge.builder(
                        "rotator.rotations.awaiting.dashboard",
                        engine,
                        e -> e.awaitingDashboard().size())
                .description("Rotations this replica holds that wait for a person in the Kashier dashboard")
                .strongReference(true)
                .register(registry);
        Gauge.builder(
                        "rotator.rotations.awaiting.dashboard.overdue",
                        engine,
                        e -> e.overdueSteps().size())
                .description("Of those, the ones waiting longer than rotator.kashier.manual-step-timeout")
                .strongReference(true)
                .register(registry);
        Gauge.builder(
                        "rotator.rotations.retrying.unbounded",
                        engine,
                        e -> e.retryingWithoutLimit().size())
                .description("Rotations retried without limit because their old key is dead")
                .strongReference(true)
                .register(registry);
    }

    @Override
    public void finished(Rotation r, String outcome, Duration took) {
        registry.counter(
                        "rotator.rotations",
                        "outcome",
                        outcome,
                        "kind",
                        r.request().kindId(),
                        "mode",
                        r.request().modeId(),
                        "trigger",
                        r.request().trigger().id())
                .increment();
        registry.timer(
                        "rotator.rotation.duration",
                        "kind",
                        r.request().kindId(),
                        "mode",
                        r.request().modeId(),
                        "outcome",
                        outcome)
                .record(took);
        if (r.oldKeyEnd().exposureWindowMs() != null) {
            registry.summary("rotator.exposure.window.ms", "mode", r.request().modeId())
                    .record(r.oldKeyEnd().exposureWindowMs());
        }
    }

    @Override
    public void superseded() {
        registry.counter("rotator.rotations.superseded").increment();
    }

    @Override
    public void stalledResumed() {
        registry.counter("rotator.rotations.stalled.resumed").increment();
    }
}
