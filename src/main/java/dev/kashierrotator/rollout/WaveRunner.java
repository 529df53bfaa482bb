package dev.kashierrotator.rollout;

import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.inventory.DependentSpec;
import dev.kashierrotator.inventory.DependentType;
import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.inventory.RolloutPolicy;
import dev.kashierrotator.rotation.Delivery;
import dev.kashierrotator.rotation.Distributor;
import dev.kashierrotator.rotation.Rotation;
import dev.kashierrotator.rotation.Rotation.DependentOutcome;
import dev.kashierrotator.rotation.Rotation.DependentState;
import dev.kashierrotator.rotation.Rotation.StepState;
import dev.kashierrotator.rotation.Rotation.Wave;
import dev.kashierrotator.rotation.Target;
import dev.kashierrotator.util.Threads;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.Guard;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;

/**
 * Staged redistribution: waves in ascending order, at most {@code max-concurrency} dependents at a
 * time within a wave, {@code soak} between waves. A dependent counts as done only once it reports the
 * new fingerprint; one that fails stops the rollout before the next wave.
 */
@ApplicationScoped
public class WaveRunner implements Distributor {

    private static final Duration FIRST_POLL = Duration.ofMillis(50);
    /** How often a waiting wave records dependents' changes held back by the write throttle. */
    private static final Duration CATCH_UP = Duration.ofMillis(300);

    private static final Duration MAX_POLL = Duration.ofSeconds(1);
    private static final Progress NO_PROGRESS = new Progress() {
        @Override
        public void waveChanged() {}

        @Override
        public void dependentChanged() {}
    };

    private final Map<DependentType, Target> targets = new EnumMap<>(DependentType.class);
    private final Inventory inventory;
    private final MeterRegistry metrics;
    private final int breakerThreshold;
    private final Duration breakerDelay;
    private final Map<String, Guard> breakers = new ConcurrentHashMap<>();
    private final Map<Integer, Guard> retryGuards = new ConcurrentHashMap<>();

    private final Clock clock;
    private final Threads threads;

    public WaveRunner(
            Instance<Target> targets,
            Inventory inventory,
            MeterRegistry metrics,
            RotatorConfig config,
            Clock clock,
            Threads threads) {
        targets.forEach(t -> this.targets.put(t.type(), t));
        this.inventory = inventory;
        this.clock = clock;
        this.threads = threads;
        this.metrics = metrics;
        this.breakerThreshold = config.rollout().breakerThreshold();
        this.breakerDelay = config.rollout().breakerDelay();
    }

    /**
     * One circuit breaker per dependent (SmallRye Fault Tolerance, named {@code dependent-<id>}): a dependent
     * that keeps failing is failed fast, and named in the record, instead of eating every rollout's time.
     */
    private Guard breaker(String dependentId) {
        return breakers.computeIfAbsent(
                dependentId,
                id -> Guard.create()
                        .withCircuitBreaker()
                        .name("dependent-" + id)
                        .requestVolumeThreshold(breakerThreshold)
                        .failureRatio(1.0)
                        .delay(breakerDelay.toMillis(), ChronoUnit.MILLIS)
                        .failOn(Target.DeliveryException.class)
                        .done()
                        .build());
    }

    /**
     * Delivery retries for a wave policy (SmallRye Fault Tolerance): {@code delivery-attempts} in all,
     * exponential backoff from 200 ms (capped at 5 s) with jitter, each call bounded by {@code call-timeout}
     * in the target. An open breaker or an abort ends the retries at once.
     */
    private Guard retries(RolloutPolicy policy) {
        return retryGuards.computeIfAbsent(
                policy.deliveryAttempts(),
                attempts -> Guard.create()
                        .withRetry()
                        .maxRetries(attempts - 1)
                        .delay(200, ChronoUnit.MILLIS)
                        .jitter(100, ChronoUnit.MILLIS)
                        .withExponentialBackoff()
                        .factor(2)
                        .maxDelay(5, ChronoUnit.SECONDS)
                        .done()
                        .retryOn(Target.DeliveryException.class)
                        .abortOn(List.of(CircuitBreakerOpenException.class, Stopped.class))
                        .done()
                        .build());
    }

    private String describe(DependentSpec dependent, RuntimeException e) {
        return e instanceof CircuitBreakerOpenException
                ? "circuit breaker open: " + dependent.id() + " failed its last " + breakerThreshold
                        + " calls; not called again for " + breakerDelay.toSeconds() + "s"
                : e.getMessage();
    }

    /** The rollout is being stopped (an abort): no more attempts. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super("stopped", null, false, false);
        }
    }

    @Override
    public Optional<Instant> distribute(
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
        // One pool for the whole call, sized for its largest batch: threads are not made again for each wave.
        int largest = batches.stream()
                .mapToInt(batch ->
                        batch.stream().mapToInt(w -> w.dependents().size()).sum())
                .max()
                .orElse(0);
        ExecutorService pool =
                threads.pool("rollout-" + rotation.keyId(), Math.max(1, Math.min(policy.maxConcurrency(), largest)));
        try {
            for (int b = 0; b < batches.size(); b++) {
                List<Wave> batch = batches.get(b);
                if (!allAtOnce && batch.get(0).state() == StepState.DONE) {
                    // Done in an earlier call (before a soak, or before a restart).
                    continue;
                }
                if (b > 0 && !policy.soak().isZero()) {
                    Instant soakEnd = soakEnd(rotation, batches.get(b - 1), policy);
                    if (soakEnd != null && clock.instant().isBefore(soakEnd)) {
                        Log.infof(
                                "rotation %s key %s: wave %d done, next wave after the soak, at %s",
                                rotation.id(),
                                rotation.keyId(),
                                batches.get(b - 1).get(0).index(),
                                soakEnd);
                        return Optional.of(soakEnd);
                    }
                }
                String failure = runBatch(rotation, batch, delivery, policy, progress, stop, pool);
                if (failure != null) {
                    batches.subList(b + 1, batches.size()).forEach(later -> later.forEach(rotation::skip));
                    progress.waveChanged();
                    throw new RolloutFailedException(failure);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return Optional.empty();
    }

    /** When the soak after these waves ends: their last end plus the soak (null if they have not ended). */
    private static Instant soakEnd(Rotation rotation, List<Wave> previous, RolloutPolicy policy) {
        return rotation.lastEnd(previous).map(end -> end.plus(policy.soak())).orElse(null);
    }

    @Override
    public Map<String, String> restore(
            Rotation rotation, Delivery rollback, List<String> dependents, RolloutPolicy policy) {
        Map<String, String> failures = new ConcurrentHashMap<>();
        if (dependents.isEmpty()) {
            return failures;
        }
        ExecutorService pool =
                threads.pool("rollback-" + rotation.keyId(), Math.min(policy.maxConcurrency(), dependents.size()));
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (String id : dependents) {
                futures.add(pool.submit(() -> {
                    DependentOutcome scratch = new DependentOutcome(id, null);
                    deliverAndVerify(rotation, scratch, rollback, policy, NO_PROGRESS, () -> false);
                    if (scratch.state() != DependentState.CONFIRMED) {
                        failures.put(id, scratch.error());
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            dependents.forEach(id -> failures.putIfAbsent(
                    id, "rollback crashed: " + e.getCause().getClass().getSimpleName()));
        } finally {
            pool.shutdownNow();
        }
        return failures;
    }

    @Override
    public void forgetFailures(List<String> dependents) {
        dependents.stream()
                .filter(breakers::containsKey)
                .forEach(id -> CircuitBreakerMaintenance.get().reset("dependent-" + id));
    }

    @Override
    public List<String> reporting(Delivery delivery, List<String> dependents) {
        return dependents.stream()
                .filter(id -> {
                    DependentSpec dependent = inventory.dependent(id).orElseThrow();
                    return targets.get(dependent.type()).confirms(dependent, delivery);
                })
                .toList();
    }

    /** Runs some waves together; returns a failure message naming the dependent, or null. */
    private String runBatch(
            Rotation rotation,
            List<Wave> waves,
            Delivery delivery,
            RolloutPolicy policy,
            Progress progress,
            BooleanSupplier stop,
            ExecutorService pool) {
        List<DependentOutcome> outcomes = rotation.startWaves(waves, clock.instant());
        // Written at once: whoever watches the rotation sees the wave running while its calls are under way.
        progress.waveChanged();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (DependentOutcome outcome : outcomes) {
                futures.add(pool.submit(() -> runDependent(rotation, outcome, delivery, policy, progress, stop)));
            }
            if (pool instanceof ThreadPoolExecutor threads) {
                // The later waves' threads are made while this wave's calls are under way, not after them.
                threads.prestartAllCoreThreads();
            }
            for (Future<?> f : futures) {
                // Wakes now and then meanwhile to record dependents' changes the throttle held back.
                while (true) {
                    try {
                        f.get(CATCH_UP.toMillis(), TimeUnit.MILLISECONDS);
                        break;
                    } catch (TimeoutException e) {
                        progress.catchUp();
                    }
                }
                progress.catchUp();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "rollout interrupted";
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                // The process is going down (or a test stops it dead): nothing more may happen here.
                throw error;
            }
            return "rollout crashed: " + e.getCause().getClass().getSimpleName();
        }
        String failure = rotation.endWaves(waves, policy, clock.instant());
        progress.waveChanged();
        return failure;
    }

    private void runDependent(
            Rotation rotation,
            DependentOutcome outcome,
            Delivery delivery,
            RolloutPolicy policy,
            Progress progress,
            BooleanSupplier stop) {
        DependentSpec dependent = inventory.dependent(outcome.id()).orElseThrow();
        boolean reachedBefore =
                outcome.state() != DependentState.PENDING || outcome.attempts() > 0 || outcome.accepted();
        // A dependent reached before (a resumed or repeated step) may already use the key: ask first. One
        // never reached is sent the key straight away; were it reached after all, it deduplicates the
        // delivery by its id.
        if (reachedBefore && targets.get(dependent.type()).confirms(dependent, delivery)) {
            // Already on the new key (a repeated step): nothing to send.
            rotation.accepted(outcome);
            finish(rotation, outcome, DependentState.CONFIRMED, null, progress);
            return;
        }
        deliverAndVerify(rotation, outcome, delivery, policy, progress, stop);
    }

    /** Delivers (with retries) and polls until the dependent reports the delivered key. */
    private void deliverAndVerify(
            Rotation rotation,
            DependentOutcome outcome,
            Delivery delivery,
            RolloutPolicy policy,
            Progress progress,
            BooleanSupplier stop) {
        DependentSpec dependent = inventory.dependent(outcome.id()).orElseThrow();
        Target target = targets.get(dependent.type());
        String lastError = null;
        boolean delivered = false;
        java.util.concurrent.atomic.AtomicBoolean reported = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            retries(policy)
                    .get(
                            () -> {
                                if (stop.getAsBoolean()) {
                                    throw new Stopped();
                                }
                                rotation.delivering(outcome);
                                try {
                                    reported.set(breaker(dependent.id())
                                            .get(() -> target.deliver(dependent, delivery), Boolean.class));
                                } catch (Target.DeliveryException | CircuitBreakerOpenException e) {
                                    Log.warnf(
                                            "rotation %s key %s: delivery to %s, attempt %d of %d failed: %s",
                                            rotation.id(),
                                            rotation.keyId(),
                                            dependent.id(),
                                            outcome.attempts(),
                                            policy.deliveryAttempts(),
                                            describe(dependent, e));
                                    throw e;
                                }
                                return Boolean.TRUE;
                            },
                            Boolean.class);
            delivered = true;
        } catch (Target.DeliveryException | CircuitBreakerOpenException e) {
            lastError = describe(dependent, e);
        } catch (Stopped e) {
            lastError = "stopped";
        }
        String breakerState = CircuitBreakerMaintenance.get()
                .currentState("dependent-" + dependent.id())
                .name();
        rotation.breaker(outcome, breakerState);
        if (!delivered) {
            if (stop.getAsBoolean()) {
                finish(rotation, outcome, DependentState.FAILED, "stopped: the rotation is being aborted", progress);
                return;
            }
            if (target.confirms(dependent, delivery)) {
                // The delivery was applied though its answer failed (too late, or lost): the report is the proof.
                rotation.accepted(outcome);
                count(dependent, "confirmed");
                finish(rotation, outcome, DependentState.CONFIRMED, null, progress);
                return;
            }
            count(dependent, "failed");
            finish(rotation, outcome, DependentState.FAILED, lastError, progress);
            return;
        }
        rotation.verifying(outcome);
        progress.dependentProgressed();
        if (reported.get()) {
            // Its answer named the new fingerprint as the one it uses: that is the check.
            count(dependent, "confirmed");
            finish(rotation, outcome, DependentState.CONFIRMED, null, progress);
            return;
        }
        Instant deadline = clock.instant().plus(policy.verifyTimeout());
        Duration pause = FIRST_POLL;
        while (true) {
            if (target.confirms(dependent, delivery)) {
                count(dependent, "confirmed");
                finish(rotation, outcome, DependentState.CONFIRMED, null, progress);
                return;
            }
            if (stop.getAsBoolean()) {
                finish(rotation, outcome, DependentState.FAILED, "stopped: the rotation is being aborted", progress);
                return;
            }
            if (clock.instant().isAfter(deadline)) {
                count(dependent, "unconfirmed");
                finish(
                        rotation,
                        outcome,
                        DependentState.FAILED,
                        "accepted the key but did not report fingerprint "
                                + delivery.newKey().fingerprint() + " within "
                                + policy.verifyTimeout().toSeconds() + "s"
                                + whyNot(target, dependent, delivery),
                        progress);
                return;
            }
            sleep(pause);
            pause = pause.multipliedBy(2).compareTo(MAX_POLL) > 0 ? MAX_POLL : pause.multipliedBy(2);
        }
    }

    /** The target's explanation of a check that gave up, as ": ..." (or nothing); a failing explanation adds nothing. */
    private static String whyNot(Target target, DependentSpec dependent, Delivery delivery) {
        try {
            return target.whyNotConfirmed(dependent, delivery)
                    .map(w -> ": " + w)
                    .orElse("");
        } catch (RuntimeException e) {
            return "";
        }
    }

    private void finish(
            Rotation rotation, DependentOutcome outcome, DependentState state, String error, Progress progress) {
        rotation.finished(outcome, state, error, clock.instant());
        progress.dependentChanged();
    }

    private void count(DependentSpec dependent, String outcome) {
        metrics.counter("rotator.dependent.pushes", "type", dependent.type().id(), "outcome", outcome)
                .increment();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RolloutFailedException("rollout interrupted");
        }
    }
}
