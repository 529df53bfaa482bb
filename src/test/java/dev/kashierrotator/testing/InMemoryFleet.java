package dev.kashierrotator.testing;

import dev.kashierrotator.inventory.RolloutPolicy;
import dev.kashierrotator.rotation.Delivery;
import dev.kashierrotator.rotation.Distributor;
import dev.kashierrotator.rotation.Fingerprints;
import dev.kashierrotator.rotation.Rotation;
import dev.kashierrotator.rotation.Rotation.DependentOutcome;
import dev.kashierrotator.rotation.Rotation.DependentState;
import dev.kashierrotator.rotation.Rotation.Wave;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * Dependents in memory: each holds the key it was last given, per key id, and reports its fingerprint.
 * Waves run in order on the calling thread, with the progress callbacks the engine persists through (so a
 * crash hook can stop a rollout mid-wave).
 */
public final class InMemoryFleet implements Distributor {

    /** Dependent id, then key id, to the key it holds. */
    private final Map<String, Map<String, String>> held = new ConcurrentHashMap<>();

    private final Clock clock;

    /** Dependents that stamp their outcomes with {@code clock}, the engine's. */
    public InMemoryFleet(Clock clock) {
        this.clock = clock;
    }

    public Optional<String> fingerprint(String dependentId, String keyId) {
        return Optional.ofNullable(held.getOrDefault(dependentId, Map.of()).get(keyId))
                .map(Fingerprints::of);
    }

    @Override
    public Optional<Instant> distribute(
            Rotation rotation,
            Delivery delivery,
            RolloutPolicy policy,
            boolean allAtOnce,
            Progress progress,
            BooleanSupplier stop) {
        for (Wave w : rotation.waves()) {
            rotation.startWaves(List.of(w), clock.instant());
            progress.waveChanged();
            for (DependentOutcome d : w.dependents()) {
                if (stop.getAsBoolean()) {
                    throw new RolloutFailedException("stopped");
                }
                boolean already = fingerprint(d.id(), delivery.key().id())
                        .filter(delivery.newKey().fingerprint()::equals)
                        .isPresent();
                if (!already) {
                    held.computeIfAbsent(d.id(), id -> new ConcurrentHashMap<>())
                            .put(delivery.key().id(), delivery.newKey().value());
                }
                if (!already) {
                    rotation.delivering(d);
                }
                rotation.accepted(d);
                rotation.finished(d, DependentState.CONFIRMED, null, clock.instant());
                progress.dependentChanged();
            }
            rotation.endWaves(List.of(w), policy, clock.instant());
            progress.waveChanged();
        }
        return Optional.empty();
    }

    @Override
    public Map<String, String> restore(
            Rotation rotation, Delivery rollback, List<String> dependents, RolloutPolicy policy) {
        dependents.forEach(id -> held.computeIfAbsent(id, x -> new ConcurrentHashMap<>())
                .put(rollback.key().id(), rollback.newKey().value()));
        return Map.of();
    }

    @Override
    public void forgetFailures(List<String> dependents) {}

    @Override
    public List<String> reporting(Delivery delivery, List<String> dependents) {
        return dependents.stream()
                .filter(id -> fingerprint(id, delivery.key().id())
                        .filter(delivery.newKey().fingerprint()::equals)
                        .isPresent())
                .toList();
    }
}
