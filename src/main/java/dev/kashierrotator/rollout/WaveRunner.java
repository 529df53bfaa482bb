package dev.kashierrotator.rollout;

import dev.kashierrotator.inventory.DependentSpec;
import dev.kashierrotator.inventory.DependentType;
import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.inventory.RolloutPolicy;
import dev.kashierrotator.rotation.Delivery;
import dev.kashierrotator.rotation.Distributor;
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
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;

/**
 * Delivery and verification for the rollout: at most {@code max-concurrency} dependents at a time, each
 * delivery retried and guarded by the dependent's circuit breaker, then polled until the dependent reports
 * the new fingerprint. Which dependents are called when, and what a failure means, is {@code Waves}'s
 * (the domain's); each dependent's progress and result is reported back to it.
 */
@ApplicationScoped
public class WaveRunner implements Distributor {

    private static final Duration FIRST_POLL = Duration.ofMillis(50);
    /** How often a waiting wave records dependents' changes held back by the write throttle. */
    private static final Duration CATCH_UP = Duration.ofMillis(300);

    private static final Duration MAX_POLL = Duration.ofSeconds(1);
    private final Map<DependentType, Target> targets = new EnumMap<>(DependentType.class);
    private final Inventory inventory;
    private final MeterRegistry metrics;
    private final Map<String, Guard> breakers = new ConcurrentHashMap<>();
    private final Map<Integer, Guard> retryGuards = new ConcurrentHashMap<>();

    private final Clock clock;
    private final Threads threads;
    private ExecutorService pool;

    public WaveRunner(
            Instance<Target> targets, Inventory inventory, MeterRegistry metrics, Clock clock, Threads threads) {
        targets.forEach(t -> this.targets.put(t.type(), t));
        this.inventory = inventory;
        this.clock = clock;
        this.threads = threads;
        this.metrics = metrics;
    }

    /**
     * One circuit breaker per dependent (SmallRye Fault Tolerance, named {@code dependent-<id>}): a dependent
     * that keeps failing is failed fast, and named in the record, instead of eating every rollout's time.
     */
    private Guard breaker(String dependentId, RolloutPolicy policy) {
        return breakers.computeIfAbsent(
                dependentId,
                id -> Guard.create()
                        .withCircuitBreaker()
                        .name("dependent-" + id)
                        .requestVolumeThreshold(policy.breakerThreshold())
                        .failureRatio(1.0)
                        .delay(policy.breakerDelay().toMillis(), ChronoUnit.MILLIS)
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

    private static String describe(DependentSpec dependent, RolloutPolicy policy, RuntimeException e) {
        return e instanceof CircuitBreakerOpenException
                ? "circuit breaker open: " + dependent.id() + " failed its last " + policy.breakerThreshold()
                        + " calls; not called again for "
                        + policy.breakerDelay().toSeconds() + "s"
                : e.getMessage();
    }

    /** The rollout is being stopped (an abort): no more attempts. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super("stopped", null, false, false);
        }
    }

    @Override
    public void deliver(
            List<Handoff> dependents, Delivery delivery, RolloutPolicy policy, Report report, BooleanSupplier stop) {
        fanOut(dependents, new Call(id -> inventory.dependent(id).orElseThrow(), delivery, policy, report, stop, true));
    }

    /**
     * A rehearsal ({@link WarmUp}): {@code deliveries} deliveries of a made-up key to one dependent that is
     * not in the inventory, by the code path of a rollout, counted in no metric and reported to nobody.
     */
    void rehearse(
            DependentSpec dependent, int deliveries, Delivery delivery, RolloutPolicy policy, BooleanSupplier stop) {
        fanOut(
                Collections.nCopies(deliveries, new Handoff(dependent.id(), false)),
                new Call(id -> dependent, delivery, policy, SILENT, stop, false));
    }

    /** One fan-out: where its dependents are looked up, what is delivered, to whom it reports, whether it counts. */
    private record Call(
            Function<String, DependentSpec> dependents,
            Delivery delivery,
            RolloutPolicy policy,
            Report report,
            BooleanSupplier stop,
            boolean counted) {}

    private static final Report SILENT = new Report() {
        @Override
        public void delivering(String dependentId) {}

        @Override
        public void accepted(String dependentId) {}

        @Override
        public void verifying(String dependentId) {}

        @Override
        public void breaker(String dependentId, String state) {}

        @Override
        public void ended(String dependentId, boolean confirmed, String error) {}
    };

    private void fanOut(List<Handoff> dependents, Call call) {
        if (dependents.isEmpty()) {
            return;
        }
        // The service's one rollout pool: its threads outlive a wave (made once, not 64 per wave), and at most
        // max-concurrency of them work on this wave, each taking the next dependent when it is done.
        int workers = Math.max(1, Math.min(call.policy().maxConcurrency(), dependents.size()));
        Queue<Handoff> queue = new ConcurrentLinkedQueue<>(dependents);
        String name = "rollout-" + call.delivery().key().id();
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < workers; i++) {
                futures.add(pool().submit(() -> {
                    Thread me = Thread.currentThread();
                    String idle = me.getName();
                    // Named for the key while at work on it: a thread stuck on a dependent is told by name.
                    me.setName(name);
                    try {
                        for (Handoff h = queue.poll(); h != null; h = queue.poll()) {
                            runDependent(h, call);
                        }
                    } finally {
                        me.setName(idle);
                    }
                }));
            }
            for (Future<?> f : futures) {
                // Wakes now and then meanwhile, so that changes held back by the record's write throttle are
                // recorded within a moment.
                while (true) {
                    try {
                        f.get(CATCH_UP.toMillis(), TimeUnit.MILLISECONDS);
                        break;
                    } catch (TimeoutException e) {
                        call.report().waiting();
                    }
                }
                call.report().waiting();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                // The process is going down (or a test stops it dead): nothing more may happen here.
                throw error;
            }
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            // Ended early (a failure, an interrupt): no dependent is started after this, and the calls under
            // way are interrupted.
            queue.clear();
            futures.forEach(f -> f.cancel(true));
        }
    }

    /** The rollout pool, made at first use. */
    private synchronized ExecutorService pool() {
        if (pool == null) {
            pool = threads.elastic("rollout-idle");
        }
        return pool;
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

    private void runDependent(Handoff handoff, Call call) {
        DependentSpec dependent = call.dependents().apply(handoff.dependentId());
        Delivery delivery = call.delivery();
        Report report = call.report();
        if (handoff.reachedBefore() && targets.get(dependent.type()).confirms(dependent, delivery)) {
            // Already on the new key (a repeated step): nothing to send.
            report.accepted(dependent.id());
            report.ended(dependent.id(), true, null);
            return;
        }
        deliverAndVerify(dependent, call);
    }

    /** Delivers (with retries) and polls until the dependent reports the delivered key. */
    private void deliverAndVerify(DependentSpec dependent, Call call) {
        Delivery delivery = call.delivery();
        RolloutPolicy policy = call.policy();
        Report report = call.report();
        BooleanSupplier stop = call.stop();
        String id = dependent.id();
        Target target = targets.get(dependent.type());
        String lastError = null;
        boolean delivered = false;
        AtomicBoolean reported = new AtomicBoolean();
        AtomicInteger attempts = new AtomicInteger();
        try {
            retries(policy)
                    .get(
                            () -> {
                                if (stop.getAsBoolean()) {
                                    throw new Stopped();
                                }
                                report.delivering(id);
                                int attempt = attempts.incrementAndGet();
                                try {
                                    reported.set(breaker(dependent.id(), policy)
                                            .get(() -> target.deliver(dependent, delivery), Boolean.class));
                                } catch (Target.DeliveryException | CircuitBreakerOpenException e) {
                                    Log.warnf(
                                            "rotation %s key %s: delivery to %s, attempt %d of %d failed: %s",
                                            delivery.rotationId(),
                                            delivery.key().id(),
                                            id,
                                            attempt,
                                            policy.deliveryAttempts(),
                                            describe(dependent, policy, e));
                                    throw e;
                                }
                                return Boolean.TRUE;
                            },
                            Boolean.class);
            delivered = true;
        } catch (Target.DeliveryException | CircuitBreakerOpenException e) {
            lastError = describe(dependent, policy, e);
        } catch (Stopped e) {
            lastError = "stopped";
        }
        report.breaker(
                id,
                CircuitBreakerMaintenance.get().currentState("dependent-" + id).name());
        if (!delivered) {
            if (stop.getAsBoolean()) {
                report.ended(id, false, "stopped: the rotation is being aborted");
                return;
            }
            if (target.confirms(dependent, delivery)) {
                // The delivery was applied though its answer failed (too late, or lost): the report is the proof.
                report.accepted(id);
                count(call, dependent, "confirmed");
                report.ended(id, true, null);
                return;
            }
            count(call, dependent, "failed");
            report.ended(id, false, lastError);
            return;
        }
        report.verifying(id);
        if (reported.get()) {
            // Its answer named the new fingerprint as the one it uses: that is the check.
            count(call, dependent, "confirmed");
            report.ended(id, true, null);
            return;
        }
        Instant deadline = clock.instant().plus(policy.verifyTimeout());
        Duration pause = FIRST_POLL;
        while (true) {
            if (target.confirms(dependent, delivery)) {
                count(call, dependent, "confirmed");
                report.ended(id, true, null);
                return;
            }
            if (stop.getAsBoolean()) {
                report.ended(id, false, "stopped: the rotation is being aborted");
                return;
            }
            if (clock.instant().isAfter(deadline)) {
                count(call, dependent, "unconfirmed");
                report.ended(
                        id,
                        false,
                        "accepted the key but did not report fingerprint "
                                + delivery.newKey().fingerprint() + " within "
                                + policy.verifyTimeout().toSeconds() + "s"
                                + whyNot(target, dependent, delivery));
                return;
            }
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                report.ended(id, false, "rollout interrupted");
                return;
            }
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

    private void count(Call call, DependentSpec dependent, String outcome) {
        if (!call.counted()) {
            return;
        }
        metrics.counter("rotator.dependent.pushes", "type", dependent.type().id(), "outcome", outcome)
                .increment();
    }
}
