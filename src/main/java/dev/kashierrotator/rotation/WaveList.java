package dev.kashierrotator.rotation;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.kashierrotator.inventory.RolloutPolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A rotation's waves and what became of each dependent in them, under their own lock: rollout threads record
 * outcomes while the engine reads them and the writer copies them, and nothing outside this class takes the
 * lock. In the record's document it is the {@code waves} array.
 */
public final class WaveList {

    private final List<Wave> waves;
    private final Object lock = new Object();

    WaveList() {
        this(List.of());
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    WaveList(Collection<Wave> waves) {
        this.waves = new ArrayList<>(waves);
    }

    /** The waves in order (each dependent's outcome read as it is now). */
    @JsonValue
    public List<Wave> all() {
        return Collections.unmodifiableList(waves);
    }

    /** A deep copy, taken under the lock. */
    WaveList copy() {
        synchronized (lock) {
            return new WaveList(waves.stream().map(Wave::copy).toList());
        }
    }

    private Stream<DependentOutcome> dependents() {
        return waves.stream().flatMap(w -> w.dependents().stream());
    }

    private List<String> ids(Predicate<DependentOutcome> which) {
        synchronized (lock) {
            return dependents().filter(which).map(DependentOutcome::id).toList();
        }
    }

    /** Dependents that have not confirmed the new key. */
    List<String> stragglers() {
        return ids(d -> d.state() != DependentState.CONFIRMED);
    }

    /** Dependents that took the new key (a rollback must give them the old one back). */
    List<String> acceptedNewKey() {
        return ids(DependentOutcome::accepted);
    }

    /** Dependents sent the new key whose answer never came back: they may have applied it. */
    List<String> sentWithoutAnswer() {
        return ids(d -> !d.accepted() && d.attempts() > 0);
    }

    /** How many dependents confirmed the new key. */
    long confirmed() {
        synchronized (lock) {
            return dependents()
                    .filter(d -> d.state() == DependentState.CONFIRMED)
                    .count();
        }
    }

    /** When the last dependent confirmed the new key, if one did. */
    Optional<Instant> lastConfirmed() {
        synchronized (lock) {
            return dependents()
                    .map(DependentOutcome::confirmedAt)
                    .filter(Objects::nonNull)
                    .max(Instant::compareTo);
        }
    }

    /** What went wrong with each of these dependents, for a person to read. */
    String errorsOf(List<String> ids) {
        synchronized (lock) {
            return dependents()
                    .filter(d -> ids.contains(d.id()))
                    .map(d -> d.id() + ": " + Objects.requireNonNullElse(d.error(), String.valueOf(d.state())))
                    .collect(Collectors.joining("; "));
        }
    }

    /** Marks these waves started; answers their dependents. */
    List<DependentOutcome> start(List<Wave> started, Instant now) {
        synchronized (lock) {
            List<DependentOutcome> outcomes = new ArrayList<>();
            for (Wave w : started) {
                outcomes.addAll(w.start(now));
            }
            return outcomes;
        }
    }

    /**
     * Marks these waves ended, each failed or done by the policy's failure threshold.
     *
     * @return what failed, naming the first dependent of the first failed wave, or null
     */
    String end(List<Wave> ended, RolloutPolicy policy, Instant now) {
        synchronized (lock) {
            String failure = null;
            for (Wave w : ended) {
                String why = w.end(policy, now);
                failure = failure == null ? why : failure;
            }
            return failure;
        }
    }

    /** When the last of these waves ended, if they have. */
    Optional<Instant> lastEnd(List<Wave> some) {
        synchronized (lock) {
            return some.stream().map(Wave::endedAt).filter(Objects::nonNull).max(Instant::compareTo);
        }
    }

    /** A wave never started because an earlier one failed. */
    void skip(Wave wave) {
        synchronized (lock) {
            wave.skip();
        }
    }

    /** A delivery to the dependent starts. */
    void delivering(DependentOutcome d) {
        synchronized (lock) {
            d.delivering();
        }
    }

    /** The dependent took the key: a rollback must give it the old one back. */
    void accepted(DependentOutcome d) {
        synchronized (lock) {
            d.accept();
        }
    }

    /** The dependent took the key and is being asked whether it uses it. */
    void verifying(DependentOutcome d) {
        synchronized (lock) {
            d.verifying();
        }
    }

    /** The state of the dependent's circuit breaker after its last call. */
    void breaker(DependentOutcome d, String state) {
        synchronized (lock) {
            d.breaker(state);
        }
    }

    /** The dependent's outcome for this rollout. */
    void finished(DependentOutcome d, DependentState state, String error, Instant now) {
        synchronized (lock) {
            d.finish(state, error, now);
        }
    }

    /** The rollback gave these dependents the old key back, except those it failed for (with why). */
    void restored(List<String> touched, Map<String, String> failures) {
        synchronized (lock) {
            dependents().filter(d -> touched.contains(d.id())).forEach(d -> d.restored(failures.get(d.id())));
        }
    }
}
