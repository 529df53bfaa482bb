package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.RolloutPolicy;
import io.quarkus.logging.Log;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The wave policy: waves in ascending order (all at once when the old key is dead or in an emergency),
 * the soak between them on the engine's clock, and whether a wave failed (the canary tolerates no failure,
 * later waves the policy's threshold). The {@link Distributor} delivers and verifies; what it reports is
 * recorded in the rotation here, and nowhere else.
 */
final class Waves {

    private final Distributor distributor;
    private final Clock clock;

    Waves(Distributor distributor, Clock clock) {
        this.distributor = distributor;
        this.clock = clock;
    }

    /** Where a rollout's record changes go, to be persisted. */
    interface Progress {
        /** A wave started or ended: worth recording at once. */
        void waveChanged();

        /** One dependent's outcome changed: may be recorded lazily (a big wave must not flood Vault). */
        void dependentChanged();

        /**
         * A dependent moved on within its attempt (delivered, now being verified): recorded lazily like an
         * outcome, so that whoever watches sees it verifying (a Kubernetes rollout can take minutes).
         */
        default void dependentProgressed() {}

        /**
         * Records the dependent changes {@link #dependentChanged} left for later, if any. Called while a wave
         * waits for its dependents, so that a change is recorded within a moment even when no other follows.
         */
        default void catchUp() {}
    }

    /** A wave failed: the first dependent that failed it, named. */
    static final class RolloutFailedException extends RuntimeException {
        RolloutFailedException(String message) {
            super(message);
        }
    }

    /**
     * Runs the rotation's waves in ascending order (all at once when {@code allAtOnce}). Staged, a wave
     * already {@code DONE} (in an earlier call) is not run again, and between waves the policy's soak is
     * kept: when it has not passed yet, the call returns the instant it ends instead of waiting, and the
     * caller calls again then (the soak is measured from the previous wave's end, in the record, so it
     * survives a restart).
     *
     * @param progress told when outcomes change, to persist the rotation record
     * @param stop     checked while waiting: true ends the rollout early (an abort was asked for)
     * @return empty when every dependent confirmed the new key; else when the soak before the next wave ends
     * @throws RolloutFailedException naming the first dependent that failed; later waves are not called
     */
    Optional<Instant> run(
            Rotation rotation,
            Delivery delivery,
            RolloutPolicy policy,
            boolean allAtOnce,
            Progress progress,
            BooleanSupplier stop) {
        List<List<Wave>> batches = new ArrayList<>();
        if (allAtOnce) {
            batches.add(rotation.waves());
        } else {
            rotation.waves().forEach(w -> batches.add(List.of(w)));
        }
        for (int b = 0; b < batches.size(); b++) {
            List<Wave> batch = batches.get(b);
            if (!allAtOnce && batch.get(0).state() == StepState.DONE) {
                // Done in an earlier call (before a soak, or before a restart).
                continue;
            }
            if (b > 0 && !policy.soak().isZero()) {
                Optional<Instant> soakEnd =
                        rotation.outcomes().lastEnd(batches.get(b - 1)).map(end -> end.plus(policy.soak()));
                if (soakEnd.isPresent() && clock.instant().isBefore(soakEnd.get())) {
                    Log.infof(
                            "rotation %s key %s: wave %d done, next wave after the soak, at %s",
                            rotation.id(),
                            rotation.keyId(),
                            batches.get(b - 1).get(0).index(),
                            soakEnd.get());
                    return soakEnd;
                }
            }
            String failure = runBatch(rotation, batch, delivery, policy, progress, stop);
            if (failure != null) {
                batches.subList(b + 1, batches.size()).forEach(later -> later.forEach(rotation.outcomes()::skip));
                progress.waveChanged();
                throw new RolloutFailedException(failure);
            }
        }
        return Optional.empty();
    }

    /**
     * Hands the old key back to the given dependents (all at once) and waits until each reports it.
     *
     * @return the ids of the dependents that did not take it back, with why
     */
    Map<String, String> restore(Delivery rollback, List<String> dependents, RolloutPolicy policy) {
        Map<String, String> failures = new ConcurrentHashMap<>();
        if (dependents.isEmpty()) {
            return failures;
        }
        try {
            distributor.deliver(
                    dependents.stream()
                            .map(id -> new Distributor.Handoff(id, false))
                            .toList(),
                    rollback,
                    policy,
                    new Distributor.Report() {
                        @Override
                        public void delivering(String id) {}

                        @Override
                        public void accepted(String id) {}

                        @Override
                        public void verifying(String id) {}

                        @Override
                        public void breaker(String id, String state) {}

                        @Override
                        public void ended(String id, boolean confirmed, String error) {
                            if (!confirmed) {
                                failures.put(id, java.util.Objects.requireNonNullElse(error, "did not report it"));
                            }
                        }
                    },
                    () -> false);
        } catch (LeaseLost e) {
            throw e;
        } catch (RuntimeException e) {
            dependents.forEach(id ->
                    failures.putIfAbsent(id, "rollback crashed: " + e.getClass().getSimpleName()));
        }
        if (Thread.currentThread().isInterrupted()) {
            dependents.forEach(id -> failures.putIfAbsent(id, "rollback interrupted"));
        }
        return failures;
    }

    /** Runs some waves together; returns a failure message naming the dependent, or null. */
    private String runBatch(
            Rotation rotation,
            List<Wave> waves,
            Delivery delivery,
            RolloutPolicy policy,
            Progress progress,
            BooleanSupplier stop) {
        Map<String, DependentOutcome> outcomes = rotation.outcomes().start(waves, clock.instant()).stream()
                .collect(Collectors.toMap(DependentOutcome::id, Function.identity()));
        // Written at once: whoever watches the rotation sees the wave running while its calls are under way.
        progress.waveChanged();
        List<Distributor.Handoff> handoffs = outcomes.values().stream()
                .map(o -> new Distributor.Handoff(
                        o.id(), o.state() != DependentState.PENDING || o.attempts() > 0 || o.accepted()))
                .toList();
        try {
            distributor.deliver(handoffs, delivery, policy, recording(rotation, outcomes, progress), stop);
        } catch (LeaseLost e) {
            // Recording progress found another replica running the rotation: stop, never roll back its work.
            throw e;
        } catch (RuntimeException e) {
            return "rollout crashed: " + e.getClass().getSimpleName();
        }
        if (Thread.currentThread().isInterrupted()) {
            return "rollout interrupted";
        }
        String failure = rotation.outcomes().end(waves, policy, clock.instant());
        progress.waveChanged();
        return failure;
    }

    /** Records what the adapter reports in the rotation, and has it persisted. */
    private Distributor.Report recording(Rotation rotation, Map<String, DependentOutcome> outcomes, Progress progress) {
        return new Distributor.Report() {
            @Override
            public void delivering(String id) {
                rotation.outcomes().delivering(outcomes.get(id));
            }

            @Override
            public void accepted(String id) {
                rotation.outcomes().accepted(outcomes.get(id));
            }

            @Override
            public void verifying(String id) {
                rotation.outcomes().verifying(outcomes.get(id));
                progress.dependentProgressed();
            }

            @Override
            public void breaker(String id, String state) {
                rotation.outcomes().breaker(outcomes.get(id), state);
            }

            @Override
            public void ended(String id, boolean confirmed, String error) {
                rotation.outcomes()
                        .finished(
                                outcomes.get(id),
                                confirmed ? DependentState.CONFIRMED : DependentState.FAILED,
                                error,
                                clock.instant());
                progress.dependentChanged();
            }

            @Override
            public void waiting() {
                progress.catchUp();
            }
        };
    }
}
