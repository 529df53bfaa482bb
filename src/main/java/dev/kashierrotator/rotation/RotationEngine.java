package dev.kashierrotator.rotation;

import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.inventory.DependentSpec;
import dev.kashierrotator.inventory.Durations;
import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.inventory.RolloutPolicy;
import dev.kashierrotator.rotation.Rotation.DependentOutcome;
import dev.kashierrotator.rotation.Rotation.Step;
import dev.kashierrotator.rotation.Rotation.StepState;
import dev.kashierrotator.rotation.Rotation.Wave;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Drives rotations through their steps. The order is the whole game: Kashier expires a key the moment
 * it is changed, so a payment key is issued, verified, staged, rolled out to every dependent and
 * promoted before the old one is expired (after its grace); a secret key, whose old value dies at the
 * change, is stored and rolled out to all waves at once and the exposure window is recorded.
 * Every transition is persisted with check-and-set before the next step starts.
 */
@ApplicationScoped
public class RotationEngine {

    static final String ISSUE_NEW_KEY = "ISSUE_NEW_KEY";
    static final String CHANGE_SECRET_KEY = "CHANGE_SECRET_KEY";
    static final String VERIFY_NEW_KEY = "VERIFY_NEW_KEY";
    static final String STAGE_PENDING = "STAGE_PENDING";
    static final String STORE_NEW_KEY = "STORE_NEW_KEY";
    static final String ROLLOUT = "ROLLOUT";
    static final String PROMOTE = "PROMOTE";
    static final String GRACE = "GRACE";
    static final String EXPIRE_OLD_KEY = "EXPIRE_OLD_KEY";

    private static final List<String> PAYMENT_STEPS =
            List.of(ISSUE_NEW_KEY, VERIFY_NEW_KEY, STAGE_PENDING, ROLLOUT, PROMOTE, GRACE, EXPIRE_OLD_KEY);
    private static final List<String> SECRET_STEPS =
            List.of(CHANGE_SECRET_KEY, VERIFY_NEW_KEY, STORE_NEW_KEY, ROLLOUT);
    private static final DateTimeFormatter ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Inventory inventory;
    private final KeyStore keys;
    private final RotationStore rotations;
    private final Dashboard dashboard;
    private final KashierApi kashier;
    private final Distributor distributor;
    private final MeterRegistry metrics;
    private final String dashboardMode;
    private final ScheduledExecutorService workers;

    public RotationEngine(Inventory inventory, KeyStore keys, RotationStore rotations, Dashboard dashboard,
                          KashierApi kashier, Distributor distributor, MeterRegistry metrics, RotatorConfig config) {
        this.inventory = inventory;
        this.keys = keys;
        this.rotations = rotations;
        this.dashboard = dashboard;
        this.kashier = kashier;
        this.distributor = distributor;
        this.metrics = metrics;
        this.dashboardMode = config.kashier().dashboard();
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newScheduledThreadPool(4, r -> {
            Thread t = new Thread(r, "rotation-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    void shutdown(@Observes ShutdownEvent event) {
        workers.shutdownNow();
    }

    /** What a rotation of the key would do, without doing any of it. */
    public RotationPlan plan(String keyId) {
        KeySpec key = inventory.key(keyId).orElseThrow(() -> RotationException.unknownKey(keyId));
        RolloutPolicy policy = inventory.rollout();
        Map<Integer, List<RotationPlan.PlannedDependent>> waves = new TreeMap<>();
        for (DependentSpec d : inventory.dependentsOf(keyId)) {
            waves.computeIfAbsent(d.wave(), w -> new ArrayList<>()).add(new RotationPlan.PlannedDependent(d.id(),
                    d.type().id()));
        }
        return new RotationPlan(keyId, key.mid(), key.mode().id(), key.kind().id(), dashboardMode,
                key.isPaymentKey() ? PAYMENT_STEPS : SECRET_STEPS,
                waves.entrySet().stream().map(e -> new RotationPlan.PlannedWave(e.getKey(), e.getValue())).toList(),
                !key.isPaymentKey(), Durations.format(key.isPaymentKey() ? policy.soak() : Duration.ZERO),
                policy.maxConcurrency(), Durations.format(policy.verifyTimeout()),
                key.isPaymentKey() ? Durations.format(key.grace()) : null,
                keys.current(keyId).map(StoredKey::fingerprint).orElse(null));
    }

    /**
     * Claims the key, records a new rotation and starts it in the background.
     *
     * @return the rotation as first recorded ({@code PENDING})
     */
    public Rotation start(String keyId, RotationRequest request) {
        KeySpec key = inventory.key(keyId).orElseThrow(() -> RotationException.unknownKey(keyId));
        if (!"simulator".equals(dashboardMode)) {
            throw new RotationException(501, "Dashboard step not available",
                    "rotator.kashier.dashboard is '" + dashboardMode + "': this version rotates only with the "
                            + "simulator dashboard; the manual dashboard step is not available yet", null);
        }
        StoredKey current = keys.current(keyId).orElseThrow(() -> new RotationException(409, "No current key",
                "key '" + keyId + "' has no current value in Vault at " + keys.mount() + "/" + keys.path(keyId)
                        + "; write the first key there before rotating", null));
        Rotation rotation = newRotation(key, current, request);
        Optional<String> holder = rotations.claim(keyId, rotation.id);
        if (holder.isPresent()) {
            throw RotationException.running(keyId, holder.get());
        }
        try {
            rotations.create(rotation);
        } catch (RuntimeException e) {
            rotations.release(keyId, rotation.id);
            throw e;
        }
        Log.infof("rotation %s of key %s (%s, %s) requested by %s: %s", rotation.id, keyId, key.kind(), key.mode(),
                request.requestedBy(), rotation.trigger);
        workers.execute(() -> run(rotation.id));
        return rotation;
    }

    public Optional<Rotation> get(String id) {
        return rotations.get(id);
    }

    /** Rotations newest first, optionally of one key and in one state. */
    public List<Rotation> list(String keyId, RotationState state, int limit) {
        return rotations.list().stream()
                .filter(r -> keyId == null || keyId.equals(r.keyId))
                .filter(r -> state == null || state == r.state)
                .limit(limit)
                .toList();
    }

    /** Whether a rotation of the key is running. */
    public Optional<String> running(String keyId) {
        return rotations.holder(keyId);
    }

    private Rotation newRotation(KeySpec key, StoredKey current, RotationRequest request) {
        Rotation r = new Rotation();
        Instant now = Instant.now();
        byte[] random = new byte[3];
        ThreadLocalRandom.current().nextBytes(random);
        r.id = "rot-" + ID_TIME.format(now) + "-" + HexFormat.of().formatHex(random);
        r.keyId = key.id();
        r.trigger = request.trigger();
        r.requestedBy = request.requestedBy();
        r.reason = request.reason();
        r.state = RotationState.PENDING;
        r.oldFingerprint = current.fingerprint();
        r.oldVersion = current.version();
        r.oldKashierKeyId = current.kashierKeyId().orElse(null);
        r.mid = key.mid();
        r.mode = key.mode().id();
        r.kind = key.kind().id();
        r.createdAt = now;
        r.updatedAt = now;
        (key.isPaymentKey() ? PAYMENT_STEPS : SECRET_STEPS).forEach(s -> r.steps.add(new Step(s)));
        Map<Integer, Wave> waves = new TreeMap<>();
        for (DependentSpec d : inventory.dependentsOf(key.id())) {
            waves.computeIfAbsent(d.wave(), Wave::new).dependents.add(new DependentOutcome(d.id(), d.type().id()));
        }
        r.waves.addAll(waves.values());
        return r;
    }

    private void run(String rotationId) {
        Rotation r = rotations.get(rotationId).orElseThrow();
        KeySpec key = inventory.key(r.keyId).orElseThrow();
        Timer.Sample sample = Timer.start(metrics);
        try {
            r.state = RotationState.RUNNING;
            save(r);
            if (key.isPaymentKey()) {
                rotatePaymentKey(r, key);
            } else {
                rotateSecretKey(r, key);
            }
        } catch (StepFailed e) {
            fail(r, key, e.getMessage());
        } catch (RuntimeException e) {
            Log.errorf("rotation %s of key %s stopped: %s", r.id, r.keyId, e.getClass().getSimpleName());
            fail(r, key, "internal error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            if (r.state.isFinal()) {
                sample.stop(metrics.timer("rotator.rotation.duration", "kind", r.kind, "mode", r.mode,
                        "outcome", r.state.name().toLowerCase()));
            }
        }
    }

    private void rotatePaymentKey(Rotation r, KeySpec key) {
        StoredKey[] fresh = new StoredKey[1];
        step(r, ISSUE_NEW_KEY, () -> {
            IssuedKey issued = dashboard.issuePaymentKey(key);
            fresh[0] = StoredKey.of(issued.value(), issued.kashierKeyId(), Instant.now());
            keys.stagePending(key.id(), r.id, fresh[0], "issued");
            r.newFingerprint = fresh[0].fingerprint();
            r.newKashierKeyId = issued.kashierKeyId().orElse(null);
            return "issued payment API key " + r.newKashierKeyId + " (fingerprint " + r.newFingerprint + ") on the "
                    + key.mode() + " dashboard of " + key.mid() + "; kept under label 'issued'";
        });
        step(r, VERIFY_NEW_KEY, () -> {
            if (!dashboard.paymentKeyActive(key, r.newKashierKeyId, r.newFingerprint)) {
                throw new StepFailed("the dashboard does not list payment key " + r.newKashierKeyId
                        + " as active with fingerprint " + r.newFingerprint);
            }
            return "the " + key.mode() + " dashboard lists " + r.newKashierKeyId + " as active";
        });
        long[] pendingVersion = new long[1];
        step(r, STAGE_PENDING, () -> {
            pendingVersion[0] = keys.stagePending(key.id(), r.id, fresh[0], "verified");
            return "verified key staged at " + keys.mount() + "/" + keys.pendingPath(key.id()) + " (version "
                    + pendingVersion[0] + "); readers of " + keys.mount() + "/" + keys.path(key.id()) + " still get the old key";
        });
        StoredKey old = keys.version(key.id(), r.oldVersion).orElseThrow(() -> new StepFailed(
                "the previous key (version " + r.oldVersion + ") is no longer readable in Vault"));
        r.graceUntil = Instant.now().plus(key.grace());
        step(r, ROLLOUT, () -> {
            Delivery delivery = new Delivery(r.id, Delivery.ROTATED, key, fresh[0], Optional.of(old),
                    Optional.of(r.graceUntil), keys.mount(), keys.pendingPath(key.id()), pendingVersion[0]);
            rollout(r, delivery, inventory.rollout(), false);
            return confirmedDetail(r);
        });
        step(r, PROMOTE, () -> {
            StoredKey stored = keys.promote(key.id(), fresh[0], r.oldVersion);
            r.newVersion = stored.version();
            keys.clearPending(key.id());
            return keys.mount() + "/" + keys.path(key.id()) + " is now version " + stored.version()
                    + " (new key); version " + r.oldVersion + " keeps the previous key";
        });
        Duration left = Duration.between(Instant.now(), r.graceUntil);
        Step grace = r.step(GRACE);
        grace.state = StepState.RUNNING;
        grace.startedAt = Instant.now();
        grace.detail = "previous key " + Objects.requireNonNullElse(r.oldKashierKeyId, r.oldFingerprint)
                + " stays valid until " + r.graceUntil;
        save(r);
        if (left.isNegative() || left.isZero()) {
            finishPayment(r.id);
        } else {
            Log.infof("rotation %s key %s: previous key valid until %s", r.id, r.keyId, r.graceUntil);
            workers.schedule(() -> finishPayment(r.id), left.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** After grace: expire the previous payment key on the dashboard side. */
    private void finishPayment(String rotationId) {
        Rotation r = rotations.get(rotationId).orElseThrow();
        KeySpec key = inventory.key(r.keyId).orElseThrow();
        try {
            Step grace = r.step(GRACE);
            grace.state = StepState.DONE;
            grace.endedAt = Instant.now();
            step(r, EXPIRE_OLD_KEY, () -> {
                dashboard.deletePaymentKey(key, r.oldKashierKeyId, r.oldFingerprint);
                r.oldKeyExpiredAt = Instant.now();
                return "deleted previous payment key " + Objects.requireNonNullElse(r.oldKashierKeyId,
                        "with fingerprint " + r.oldFingerprint) + " on the " + key.mode() + " dashboard";
            });
            complete(r, key);
        } catch (StepFailed e) {
            fail(r, key, e.getMessage());
        } catch (RuntimeException e) {
            fail(r, key, "internal error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private void rotateSecretKey(Rotation r, KeySpec key) {
        StoredKey[] fresh = new StoredKey[1];
        step(r, CHANGE_SECRET_KEY, () -> {
            IssuedKey issued = dashboard.changeSecretKey(key, key.user());
            r.oldKeyExpiredAt = Instant.now();
            fresh[0] = StoredKey.of(issued.value(), Optional.empty(), r.oldKeyExpiredAt);
            r.newFingerprint = fresh[0].fingerprint();
            keys.stagePending(key.id(), r.id, fresh[0], "issued");
            return "changed the secret key of user '" + key.user() + "' on the " + key.mode() + " dashboard of "
                    + key.mid() + " (new fingerprint " + r.newFingerprint + "); the old key stopped working at "
                    + r.oldKeyExpiredAt;
        });
        step(r, VERIFY_NEW_KEY, () -> {
            if (!kashier.acceptsSecretKey(key.mode(), fresh[0].value())) {
                throw new StepFailed("Kashier's " + key.mode() + " API rejects the new secret key (HTTP 401)");
            }
            return "Kashier's " + key.mode() + " API accepts the new key";
        });
        step(r, STORE_NEW_KEY, () -> {
            StoredKey stored = keys.promote(key.id(), fresh[0], r.oldVersion);
            r.newVersion = stored.version();
            fresh[0] = stored;
            keys.clearPending(key.id());
            return keys.mount() + "/" + keys.path(key.id()) + " is now version " + stored.version();
        });
        step(r, ROLLOUT, () -> {
            Delivery delivery = new Delivery(r.id, Delivery.ROTATED, key, fresh[0], Optional.empty(),
                    Optional.empty(), keys.mount(), keys.path(key.id()), r.newVersion);
            rollout(r, delivery, inventory.rollout().allAtOnce(), true);
            Instant lastConfirmed = r.waves.stream().flatMap(w -> w.dependents.stream())
                    .map(d -> d.confirmedAt).filter(Objects::nonNull).max(Instant::compareTo)
                    .orElse(Instant.now());
            r.exposureWindowMs = Math.max(0, Duration.between(r.oldKeyExpiredAt, lastConfirmed).toMillis());
            return confirmedDetail(r) + "; exposure window " + r.exposureWindowMs + " ms";
        });
        complete(r, key);
    }

    private void rollout(Rotation r, Delivery delivery, RolloutPolicy policy, boolean allAtOnce) {
        long[] lastSave = {0};
        try {
            distributor.distribute(r, delivery, policy, allAtOnce, () -> {
                synchronized (r) {
                    long now = System.nanoTime();
                    // Persist progress at most a few times a second: a big wave must not flood Vault.
                    if (now - lastSave[0] > 250_000_000L) {
                        lastSave[0] = now;
                        save(r);
                    }
                }
            });
        } catch (Distributor.RolloutFailedException e) {
            throw new StepFailed(e.getMessage());
        }
    }

    private static String confirmedDetail(Rotation r) {
        long confirmed = r.waves.stream().flatMap(w -> w.dependents.stream())
                .filter(d -> d.state == Rotation.DependentState.CONFIRMED).count();
        return confirmed + " dependent(s) in " + r.waves.size() + " wave(s) confirmed fingerprint " + r.newFingerprint;
    }

    private void step(Rotation r, String name, StepWork work) {
        Step s = r.step(name);
        if (s.state == StepState.DONE) {
            return;
        }
        s.state = StepState.RUNNING;
        s.startedAt = Instant.now();
        s.endedAt = null;
        save(r);
        Log.infof("rotation %s key %s: step %s started", r.id, r.keyId, name);
        try {
            s.detail = work.run();
            s.state = StepState.DONE;
            s.endedAt = Instant.now();
            save(r);
            Log.infof("rotation %s key %s: step %s done", r.id, r.keyId, name);
        } catch (StepFailed e) {
            s.state = StepState.FAILED;
            s.endedAt = Instant.now();
            s.detail = e.getMessage();
            throw new StepFailed(name + ": " + e.getMessage());
        } catch (RuntimeException e) {
            s.state = StepState.FAILED;
            s.endedAt = Instant.now();
            s.detail = e.getMessage();
            throw new StepFailed(name + ": " + e.getMessage());
        }
    }

    private void complete(Rotation r, KeySpec key) {
        r.state = RotationState.COMPLETED;
        r.error = null;
        finish(r, key);
        Log.infof("rotation %s of key %s completed: fingerprint %s -> %s", r.id, r.keyId, r.oldFingerprint,
                r.newFingerprint);
    }

    private void fail(Rotation r, KeySpec key, String error) {
        r.state = RotationState.FAILED;
        r.error = error;
        r.steps.stream().filter(s -> s.state == StepState.PENDING).forEach(s -> s.state = StepState.SKIPPED);
        finish(r, key);
        Log.errorf("rotation %s of key %s failed: %s", r.id, r.keyId, error);
    }

    private void finish(Rotation r, KeySpec key) {
        try {
            save(r);
        } finally {
            rotations.release(r.keyId, r.id);
            metrics.counter("rotator.rotations", "outcome", r.state.name().toLowerCase(), "kind", key.kind().id(),
                    "mode", key.mode().id(), "trigger", r.trigger).increment();
            if (r.exposureWindowMs != null) {
                metrics.summary("rotator.exposure.window.ms", "mode", key.mode().id()).record(r.exposureWindowMs);
            }
        }
    }

    private void save(Rotation r) {
        synchronized (r) {
            r.updatedAt = Instant.now();
            rotations.update(r);
        }
    }

    @FunctionalInterface
    private interface StepWork {
        String run();
    }

    /** A step could not do its work; the message says why and never holds a key. */
    static class StepFailed extends RuntimeException {
        StepFailed(String message) {
            super(message);
        }
    }
}
