package dev.kashierrotator.sim;

import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.inventory.DependentSpec;
import dev.kashierrotator.inventory.DependentType;
import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.vault.VaultKv;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts the demo webhook dependents of {@code rotator.demo.dependents} for the local run. */
@ApplicationScoped
public class DemoDependents {

    private final List<DemoDependent> running = new ArrayList<>();
    private final Map<String, Integer> ports;
    private final Inventory inventory;
    private final VaultKv kv;

    public DemoDependents(RotatorConfig config, Inventory inventory, VaultKv kv) {
        this.ports = config.demo().dependents();
        this.inventory = inventory;
        this.kv = kv;
    }

    /** At start-up, before the rotations are resumed. */
    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION + 200) StartupEvent event) {
        start();
    }

    public synchronized void start() {
        ports.forEach((id, port) -> {
            DependentSpec spec = inventory
                    .dependent(id)
                    .filter(d -> d.type() == DependentType.WEBHOOK)
                    .orElseThrow(() -> new IllegalStateException("rotator.demo.dependents." + id
                            + ": no webhook dependent with that id in rotator.dependents"));
            try {
                DemoDependent d = DemoDependent.start(id, spec.signingSecret().orElseThrow(), port)
                        .vaultReader((path, version) ->
                                kv.read(path, version).map(v -> v.data().get("key")));
                running.add(d);
                Log.infof("demo dependent %s listening on %s", id, d.url());
            } catch (IOException e) {
                throw new UncheckedIOException("rotator.demo.dependents." + id + ": cannot listen on port " + port, e);
            }
        });
    }

    synchronized void stop(@Observes ShutdownEvent event) {
        running.forEach(DemoDependent::close);
        running.clear();
    }
}
