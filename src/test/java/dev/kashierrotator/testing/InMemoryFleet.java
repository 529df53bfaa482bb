package dev.kashierrotator.testing;

import dev.kashierrotator.inventory.RolloutPolicy;
import dev.kashierrotator.rotation.Delivery;
import dev.kashierrotator.rotation.Distributor;
import dev.kashierrotator.rotation.Fingerprints;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * Dependents in memory: each holds the key it was last given, per key id, and reports its fingerprint.
 * Dependents are handed the key one after another on the calling thread, reporting as the real adapter
 * does (so a crash hook in the record's persistence can stop a rollout mid-wave).
 */
public final class InMemoryFleet implements Distributor {

    /** Dependent id, then key id, to the key it holds. */
    private final Map<String, Map<String, String>> held = new ConcurrentHashMap<>();

    public Optional<String> fingerprint(String dependentId, String keyId) {
        return Optional.ofNullable(held.getOrDefault(dependentId, Map.of()).get(keyId))
                .map(Fingerprints::of);
    }

    @Override
    public void deliver(
            List<Handoff> dependents, Delivery delivery, RolloutPolicy policy, Report report, BooleanSupplier stop) {
        for (Handoff h : dependents) {
            String id = h.dependentId();
            if (stop.getAsBoolean()) {
                report.ended(id, false, "stopped: the rotation is being aborted");
                continue;
            }
            boolean already = fingerprint(id, delivery.key().id())
                    .filter(delivery.newKey().fingerprint()::equals)
                    .isPresent();
            if (!already) {
                report.delivering(id);
                held.computeIfAbsent(id, x -> new ConcurrentHashMap<>())
                        .put(delivery.key().id(), delivery.newKey().value());
            }
            report.accepted(id);
            report.ended(id, true, null);
        }
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
