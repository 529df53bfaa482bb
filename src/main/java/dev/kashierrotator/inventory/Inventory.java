package dev.kashierrotator.inventory;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The validated inventory: keys, dependents and the default rollout policy. Immutable. */
public final class Inventory {

    private final Map<String, KeySpec> keys;
    private final Map<String, DependentSpec> dependents;
    private final RolloutPolicy rollout;
    private final ScheduleSettings schedule;
    private final List<NotificationChannel> channels;

    Inventory(
            Map<String, KeySpec> keys,
            Map<String, DependentSpec> dependents,
            RolloutPolicy rollout,
            ScheduleSettings schedule,
            List<NotificationChannel> channels) {
        this.keys = new TreeMap<>(keys);
        this.dependents = new TreeMap<>(dependents);
        this.rollout = rollout;
        this.schedule = schedule;
        this.channels = List.copyOf(channels);
    }

    /** The notification channels, by name. */
    public List<NotificationChannel> channels() {
        return channels;
    }

    /** The scheduler's settings. */
    public ScheduleSettings schedule() {
        return schedule;
    }

    public Optional<KeySpec> key(String id) {
        return Optional.ofNullable(id == null ? null : keys.get(id));
    }

    /** Every key, ordered by id. */
    public Collection<KeySpec> keys() {
        return keys.values();
    }

    public Optional<DependentSpec> dependent(String id) {
        return Optional.ofNullable(dependents.get(id));
    }

    public Collection<DependentSpec> dependents() {
        return dependents.values();
    }

    /** Dependents that use the key, by wave then id. */
    public List<DependentSpec> dependentsOf(String keyId) {
        return dependents.values().stream()
                .filter(d -> d.keys().contains(keyId))
                .sorted(Comparator.comparingInt(DependentSpec::wave).thenComparing(DependentSpec::id))
                .toList();
    }

    public RolloutPolicy rollout() {
        return rollout;
    }
}
