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
import dev.kashierrotator.rotation.RotationStore.Claimed;
import dev.kashierrotator.rotation.RotationStore.Held;
import io.micrometer.core.instrument.MeterRegistry;
import org.eclipse.microprofile.faulttolerance.exceptions.FaultToleranceException;
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
import java.util.function.Predicate;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drives rotations through their steps. The order is the whole game: Kashier expires a key the moment
 * it is changed, so a payment key is issued, verified, staged, rolled out to every dependent and
 * promoted before the old one is expired (after its grace); a secret key, whose old value dies at the
 * change, is stored and rolled out to all waves at once and the exposure window is recorded.
 *
 * <p>Every step is idempotent and takes its inputs from Vault (the record, the pending key, the current
 * key), never from memory, so a rotation stopped anywhere resumes where it stood: on this replica after
 * a restart, or on another once the lease on its key expires. Every transition is persisted with
 * check-and-set; a replica whose lease was taken over fails its next write and stops.
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
    static final String ROLL_BACK = "ROLL_BACK";

    static final List<String> PAYMENT_STEPS =
            List.of(ISSUE_NEW_KEY, VERIFY_NEW_KEY, STAGE_PENDING, ROLLOUT, PROMOTE, GRACE, EXPIRE_OLD_KEY);
    static final List<String> SECRET_STEPS =
            List.of(CHANGE_SECRET_KEY, VERIFY_NEW_KEY, STORE_NEW_KEY, ROLLOUT);
    /** Emergency, push-first: everyone gets the new key at once, then the old one dies; no grace. */
    static final List<String> PAYMENT_EMERGENCY_PUSH_FIRST =
            List.of(ISSUE_NEW_KEY, VERIFY_NEW_KEY, STAGE_PENDING, ROLLOUT, PROMOTE, EXPIRE_OLD_KEY);
    /** Emergency, revoke-first: the abused key dies as soon as a working new one exists. */
    static final List<String> PAYMENT_EMERGENCY_REVOKE_FIRST =
            List.of(ISSUE_NEW_KEY, VERIFY_NEW_KEY, EXPIRE_OLD_KEY, STAGE_PENDING, ROLLOUT, PROMOTE);

    /** Alternating users: change the standby user's key, roll it out in waves, promote; the old key keeps working. */
    static final List<String> ALTERNATING_STEPS =
            List.of(CHANGE_SECRET_KEY, VERIFY_NEW_KEY, STAGE_PENDING, ROLLOUT, PROMOTE);
    /** Alternating users in an emergency: the previous user's key is changed too, which kills the leaked one. */
    static final List<String> ALTERNATING_EMERGENCY_PUSH_FIRST =
            List.of(CHANGE_SECRET_KEY, VERIFY_NEW_KEY, STAGE_PENDING, ROLLOUT, PROMOTE, EXPIRE_OLD_KEY);
    static final List<String> ALTERNATING_EMERGENCY_REVOKE_FIRST =
            List.of(CHANGE_SECRET_KEY, VERIFY_NEW_KEY, EXPIRE_OLD_KEY, STAGE_PENDING, ROLLOUT, PROMOTE);

    /**
     * The steps of a rotation, in order. A single-user secret key's change kills the old key anyway, so
     * it is revoke-first by nature.
     */
    static List<String> plan(KeySpec key, boolean emergency, String order) {
        if (key.alternates()) {
            return !emergency ? ALTERNATING_STEPS : RotationRequest.REVOKE_FIRST.equals(order)
                    ? ALTERNATING_EMERGENCY_REVOKE_FIRST : ALTERNATING_EMERGENCY_PUSH_FIRST;
        }
        if (!key.isPaymentKey()) {
            return SECRET_STEPS;
        }
        if (!emergency) {
            return PAYMENT_STEPS;
        }
        return RotationRequest.REVOKE_FIRST.equals(order) ? PAYMENT_EMERGENCY_REVOKE_FIRST : PAYMENT_EMERGENCY_PUSH_FIRST;
    }
    private static final DateTimeFormatter ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    /** Ids are not secrets, but nothing is gained by letting anyone predict the next one. */
    private static final java.security.SecureRandom ID_RANDOM = new java.security.SecureRandom();
    private static final Duration MAX_STEP_BACKOFF = Duration.ofSeconds(30);
    /** The most rotation records one listing reads. */
    static final int READ_BUDGET = 1_000;

    private final Inventory inventory;
    private final KeyStore keys;
    private final RotationStore rotations;
    private final Dashboard dashboard;
    private final KashierApi kashier;
    private final Distributor distributor;
    private final RotationHooks hooks;
    private final MeterRegistry metrics;
    private final String dashboardMode;
    private final RotatorConfig.Engine settings;
    private final String instanceId;
    private final ScheduledExecutorService workers;
    /** Renews leases; never shares a thread with rotation work, which can hold one for minutes. */
    private final ScheduledExecutorService leaseKeeper;
    /** Rotations this replica is running (or waiting on, during grace), by id. */
    private final Map<String, Active> active = new ConcurrentHashMap<>();
    /** Rotations this replica holds that wait for a person, by id: key, step and since when. */
    private final Map<String, Awaiting> awaiting = new ConcurrentHashMap<>();
    /** Rotations retried past step-attempts because their old key is dead, by id: key, step and cause. */
    private final Map<String, String> retrying = new ConcurrentHashMap<>();
    private final KashierApi kashierProbe;
    private final Duration manualStepTimeout;

    /** A rotation waiting for a person to answer a dashboard step. */
    public record Awaiting(String rotationId, String keyId, String step, Instant since) {
    }

    /** This replica's hold on one rotation. */
    private static final class Active {
        volatile Claim claim;
        /** Renewals and fences write the claim with check-and-set: one at a time, or they fence each other out. */
        final Object claimLock = new Object();
        volatile boolean lost;
        /** The heartbeat saw an abort request in the record. */
        volatile boolean abortSeen;
        /** A worker thread is inside {@code run} for it (not idle in grace). */
        final AtomicBoolean running = new AtomicBoolean();
        /** When the last run let go of it, if one did. */
        volatile Instant idleSince;
        /** When a continuation is due (the end of a grace period), if one is scheduled. */
        volatile Instant wakeAt;

        Active(Claim claim) {
            this.claim = claim;
        }
    }

    public RotationEngine(Inventory inventory, KeyStore keys, RotationStore rotations, Dashboard dashboard,
                          KashierApi kashier, Distributor distributor, RotationHooks hooks, MeterRegistry metrics,
                          RotatorConfig config) {
        this.inventory = inventory;
        this.keys = keys;
        this.rotations = rotations;
        this.dashboard = dashboard;
        this.kashier = kashier;
        this.distributor = distributor;
        this.hooks = hooks;
        this.metrics = metrics;
        metrics.counter("rotator.rotations.stalled.resumed");
        this.dashboardMode = config.kashier().dashboard();
        this.settings = config.engine();
        this.kashierProbe = kashier;
        this.manualStepTimeout = config.kashier().manualStepTimeout();
        metrics.gauge("rotator.rotations.awaiting.dashboard", awaiting, Map::size);
        metrics.gauge("rotator.rotations.retrying.unbounded", retrying, Map::size);
        metrics.gauge("rotator.rotations.awaiting.dashboard.overdue", awaiting, a -> overdueSteps().size());
        this.instanceId = settings.instanceId().orElse("replica-" + UUID.randomUUID().toString().substring(0, 8));
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newScheduledThreadPool(settings.workers(), r -> {
            Thread t = new Thread(r, "rotation-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.leaseKeeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lease-keeper");
            t.setDaemon(true);
            return t;
        });
        metrics.counter("rotator.rotations.superseded");
        long beat = Math.max(100, settings.leaseTtl().toMillis() / 3);
        leaseKeeper.scheduleWithFixedDelay(this::renewLeases, beat, beat, TimeUnit.MILLISECONDS);
    }

    void shutdown(@Observes ShutdownEvent event) {
        leaseKeeper.shutdownNow();
        workers.shutdownNow();
    }

    /** This replica's name in claims and records. */
    public String instanceId() {
        return instanceId;
    }

    /** What a rotation of the key would do, without doing any of it. */
    public RotationPlan plan(String keyId, boolean emergency, String order) {
        KeySpec key = inventory.key(keyId).orElseThrow(() -> RotationException.unknownKey(keyId));
        RolloutPolicy policy = key.rollout();
        Map<Integer, List<RotationPlan.PlannedDependent>> waves = new TreeMap<>();
        for (DependentSpec d : inventory.dependentsOf(keyId)) {
            waves.computeIfAbsent(d.wave(), w -> new ArrayList<>()).add(new RotationPlan.PlannedDependent(d.id(),
                    d.type().id()));
        }
        return new RotationPlan(keyId, key.mid(), key.mode().id(), key.kind().id(), dashboardMode,
                plan(key, emergency, order),
                waves.entrySet().stream().map(e -> new RotationPlan.PlannedWave(e.getKey(), e.getValue())).toList(),
                !key.isPaymentKey() || emergency,
                Durations.format(key.isPaymentKey() && !emergency ? policy.soak() : Duration.ZERO),
                policy.maxConcurrency(), Durations.format(policy.verifyTimeout()),
                key.isPaymentKey() && !emergency ? Durations.format(key.grace()) : null,
                keys.current(keyId).map(StoredKey::fingerprint).orElse(null));
    }

    /**
     * Claims the key, records a new rotation and starts it in the background.
     *
     * @return the rotation as first recorded ({@code PENDING})
     */
    public Rotation start(String keyId, RotationRequest request) {
        KeySpec key = inventory.key(keyId).orElseThrow(() -> RotationException.unknownKey(keyId));
        StoredKey current = keys.current(keyId).orElseThrow(() -> new RotationException(409, "No current key",
                "key '" + keyId + "' has no current value in Vault at " + keys.mount() + "/" + keys.path(keyId)
                        + "; write the first key there before rotating", null));
        if (key.alternates() && current.user().filter(key.users()::contains).isEmpty()) {
            // Without it the standby user would be a guess, and a wrong guess has a person change the key
            // every dependent uses.
            throw new RotationException(409, "Key has no user", "key '" + keyId + "' alternates between users "
                    + key.users() + ", but its current value in Vault at " + keys.mount() + "/" + keys.path(keyId)
                    + " does not say whose it is (" + current.user().map(u -> "user '" + u + "' is not one of them")
                    .orElse("no 'user' field") + "); add it: bao kv patch " + keys.mount() + "/" + keys.path(keyId)
                    + " user=<" + String.join("|", key.users()) + ">", null);
        }
        Rotation rotation = newRotation(key, current, request);
        RotationStore.ClaimResult result = rotations.claim(keyId, rotation.id, instanceId, settings.leaseTtl());
        if (result instanceof Held held) {
            throw RotationException.running(keyId, held.rotationId());
        }
        Claim claim = ((Claimed) result).claim();
        if (request.expectedVersion().isPresent()) {
            // Checked under the claim: the version can only change inside another claimed rotation.
            long now = keys.current(keyId).map(StoredKey::version).orElse(-1L);
            if (now != request.expectedVersion().getAsLong()) {
                rotations.release(claim);
                throw new RotationException(409, "Already rotated", "key '" + keyId + "' is at version " + now
                        + " now, not " + request.expectedVersion().getAsLong() + ": it was rotated meanwhile", null);
            }
        }
        rotation.owner = instanceId;
        rotation.epoch = claim.epoch();
        try {
            rotations.create(rotation);
        } catch (RuntimeException e) {
            rotations.release(claim);
            throw e;
        }
        Log.infof("rotation %s of key %s (%s, %s) requested by %s: %s", rotation.id, keyId, key.kind(), key.mode(),
                request.requestedBy(), rotation.trigger);
        active.put(rotation.id, new Active(claim));
        workers.execute(() -> run(rotation.id));
        return rotation;
    }

    public Optional<Rotation> get(String id) {
        return rotations.get(id);
    }

    /** Rotations newest first, optionally of one key and in one state. */
    public List<Rotation> list(String keyId, RotationState state, int limit, Predicate<Rotation> visible) {
        // Ids sort by creation time, so only as many records are read as the answer needs; for one key,
        // only that key's records are read at all.
        // A filter (state, or a role limited to one mode) could otherwise read every record ever written to
        // find a few: at most READ_BUDGET of the newest are looked at.
        return (keyId == null ? rotations.ids() : rotations.idsOf(keyId)).stream()
                .limit(READ_BUDGET)
                .map(rotations::get)
                .flatMap(Optional::stream)
                .filter(visible)
                .filter(r -> keyId == null || keyId.equals(r.keyId))
                .filter(r -> state == null || state == r.state)
                .limit(limit)
                .toList();
    }

    /** The unfinished rotation holding the key, if any. */
    public Optional<String> running(String keyId) {
        return rotations.holder(keyId).filter(id -> rotations.get(id).map(r -> !r.state.isFinal()).orElse(false));
    }

    /**
     * Picks up every unfinished rotation that no live replica runs: this replica's own after a restart,
     * and any whose lease expired. Called at start-up and periodically.
     *
     * @return how many rotations were resumed
     */
    public int resumeUnfinished() {
        int resumed = 0;
        Instant now = Instant.now();
        for (Claim claim : rotations.claims()) {
            if (active.containsKey(claim.rotationId())) {
                continue;
            }
            Optional<Rotation> record = rotations.get(claim.rotationId());
            if (record.isEmpty() || record.get().state.isFinal() || inventory.key(claim.keyId()).isEmpty()) {
                continue;
            }
            Optional<Claim> ours = claim.owner().equals(instanceId)
                    ? rotations.renew(claim, settings.leaseTtl())
                    : claim.expired(now) ? rotations.takeOver(claim, instanceId, settings.leaseTtl()) : Optional.empty();
            if (ours.isEmpty()) {
                continue;
            }
            if (active.putIfAbsent(claim.rotationId(), new Active(ours.get())) != null) {
                continue;
            }
            Log.infof("resuming rotation %s of key %s (previous owner %s, epoch %d)", claim.rotationId(),
                    claim.keyId(), claim.owner(), ours.get().epoch());
            workers.execute(() -> run(claim.rotationId()));
            resumed++;
        }
        return resumed;
    }

    /**
     * Answers the dashboard step a rotation waits for. Key steps need the new key, checked for shape,
     * for being new, and (secret keys) accepted by Kashier's API; the deletion step needs none.
     *
     * @throws RotationException 409 when nothing waits, 400 or 422 for a key that will not do
     */
    public Rotation confirm(String id, String newKey, String answeredBy) {
        Rotation r = rotations.get(id).orElseThrow(() -> new RotationException(404, "Unknown rotation",
                "no rotation '" + id + "'", null));
        if (newKey != null && !newKey.isBlank() && !r.state.isFinal()) {
            // The same key again (a retried request, a double click): it was taken once; answer alike.
            String fingerprint = Fingerprints.of(newKey.strip());
            if (fingerprint.equals(r.newFingerprint) && keys.pending(r.keyId, r.id)
                    .filter(k -> k.fingerprint().equals(fingerprint)).isPresent()) {
                return r;
            }
            boolean keyStepWaits = r.state == RotationState.AWAITING_DASHBOARD && r.steps.stream()
                    .anyMatch(s -> s.state == StepState.RUNNING && (s.name.equals(ISSUE_NEW_KEY)
                            || s.name.equals(CHANGE_SECRET_KEY)));
            if (r.newFingerprint != null && !fingerprint.equals(r.newFingerprint)
                    && (keyStepWaits || r.state != RotationState.AWAITING_DASHBOARD)) {
                throw new RotationException(409, "Already answered", "rotation " + id + " already took the key of "
                        + "fingerprint " + r.newFingerprint + " (answered by " + r.dashboardAnsweredBy + "), and "
                        + "that is the one rolled out; if you made a second key in the dashboard, delete that one "
                        + "(fingerprint " + fingerprint + ")", id);
            }
        }
        if (r.state != RotationState.AWAITING_DASHBOARD) {
            throw new RotationException(409, "Nothing to confirm", "rotation " + id + " is " + r.state
                    + ", not waiting for a dashboard step", id);
        }
        KeySpec key = inventory.key(r.keyId).orElseThrow();
        Step step = r.steps.stream().filter(s -> s.state == StepState.RUNNING).findFirst().orElseThrow();
        boolean wantsKey = step.name.equals(ISSUE_NEW_KEY) || step.name.equals(CHANGE_SECRET_KEY);
        if (wantsKey && (newKey == null || newKey.isBlank())) {
            throw RotationException.invalid(400, "newKey", "required: step " + step.name + " waits for the new key", id);
        }
        if (!wantsKey && newKey != null) {
            throw RotationException.invalid(400, "newKey", "step " + step.name + " takes no key; send {}", id);
        }
        Instant now = Instant.now();
        StoredKey staged = null;
        if (wantsKey) {
            String value = newKey.strip();
            // Exactly Kashier's shapes, which are also the shapes the log mask knows: a key accepted here can
            // never slip past the mask.
            String shape = key.isPaymentKey() ? "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
                    : "[0-9a-fA-F]{32}\\$[0-9a-fA-F]{96}";
            if (!value.matches(shape)) {
                throw RotationException.invalid(400, "newKey", "does not look like a Kashier "
                        + (key.isPaymentKey() ? "payment API key (a UUID: 8-4-4-4-12 hex)"
                        : "secret key (32 hex, '$', 96 hex)") + ": check that it was copied whole", id);
            }
            if (Fingerprints.of(value).equals(r.oldFingerprint)) {
                throw RotationException.invalid(422, "newKey", "is the key being replaced, not a new one", id);
            }
            for (long v = r.oldVersion - 1; v >= Math.max(1, r.oldVersion - 4); v--) {
                // Most likely the standby user's key, still valid but never changed: that rotates nothing.
                long version = v;
                if (keys.version(key.id(), v).filter(k -> k.fingerprint().equals(Fingerprints.of(value))).isPresent()) {
                    throw RotationException.invalid(422, "newKey", "is an earlier key of " + key.id() + " (Vault version "
                            + version + "), not a new one: " + (key.isPaymentKey()
                            ? "create a new payment API key in the dashboard and send that"
                            : "change it in the dashboard first and send the new value"), id);
                }
            }
            if (!key.isPaymentKey() && !kashierProbe.acceptsSecretKey(key.mode(), value)) {
                throw RotationException.invalid(422, "newKey", "Kashier's " + key.mode() + " API rejects it (HTTP 401): "
                        + "check the mode and that it was copied whole", id);
            }
            String user = null;
            if (key.alternates()) {
                user = r.toUser;
                if (liveKeyDied(key, r)) {
                    // The person changed the key dependents use (the wrong user, or someone else did): the new
                    // key is that user's, the standby's old key still works, and every dependent holds a dead
                    // key. Nothing to stage any more: rush it to all of them at once.
                    user = r.fromUser;
                    r.toUser = r.fromUser;
                    r.oldKeyExpiredAt = now;
                    Log.warnf("rotation %s key %s: the key of user '%s' that dependents use no longer works; the new "
                            + "key is taken as the key of '%s' and rolled out to all waves at once", id, r.keyId,
                            r.fromUser, r.fromUser);
                }
            }
            staged = StoredKey.of(value, Optional.empty(), now).withUser(user);
            r.newFingerprint = staged.fingerprint();
        } else if (!r.blockedBy.isEmpty()) {
            // The person fixed the dependents that held only the old key: deliver to them again.
            r.blockedBy = new ArrayList<>();
        } else {
            r.confirmedSteps.add(step.name);
        }
        r.dashboardAnsweredBy = answeredBy;
        r.dashboardAnsweredAt = now;
        try {
            // The record first, with check-and-set: of two racing answers only one gets past here, and only
            // that one stages its key.
            rotations.update(r);
        } catch (StaleWriteException e) {
            throw new RotationException(409, "Rotation busy", "rotation " + id + " changed meanwhile (another "
                    + "answer, or the rotation moving on); look at it again before answering", id);
        }
        if (staged != null) {
            keys.stagePending(key.id(), r.id, staged, "issued");
        }
        Log.infof("rotation %s key %s: step %s answered by %s", id, r.keyId, step.name, answeredBy);
        Active a = active.get(id);
        if (a != null && !a.running.get()) {
            workers.execute(() -> run(id));
        }
        return r;
    }

    /**
     * Whether the key dependents held before this rotation is dead on Kashier's side while they may not
     * all have the new one yet: after a single-user secret key's change, or an expiry done before the
     * rollout (revoke-first, or a person who changed the live user's key).
     */
    private static boolean oldKeyDead(Rotation r) {
        return r.oldKeyExpiredAt != null && r.step(ROLLOUT).state != StepState.DONE;
    }

    /** Rotations this replica keeps retrying because giving up would strand dependents, with why. */
    public Map<String, String> retryingWithoutLimit() {
        return Map.copyOf(retrying);
    }

    /** Whether Kashier now rejects the key an alternating rotation started from (the live one). */
    private boolean liveKeyDied(KeySpec key, Rotation r) {
        Optional<StoredKey> live = keys.version(key.id(), r.oldVersion);
        try {
            return live.isPresent() && !kashierProbe.acceptsSecretKey(key.mode(), live.get().value());
        } catch (PassingFailure e) {
            // Kashier just accepted the new key; if it cannot answer now, assume the usual case.
            return false;
        }
    }

    /** Rotations this replica holds that wait for a person. */
    public List<Awaiting> awaitingDashboard() {
        return List.copyOf(awaiting.values());
    }

    /** Those waiting longer than {@code rotator.kashier.manual-step-timeout}. */
    public List<Awaiting> overdueSteps() {
        Instant limit = Instant.now().minus(manualStepTimeout);
        return awaiting.values().stream().filter(a -> a.since().isBefore(limit)).toList();
    }

    /**
     * Asks for a rotation to be aborted and rolled back. Allowed while the old key still works:
     * before a payment key's old key is expired, and before a secret key is changed.
     *
     * @return the record with the request
     */
    public Rotation abort(String id, String requestedBy, String reason) {
        for (int attempt = 0; attempt < 5; attempt++) {
            Rotation r = rotations.get(id).orElseThrow(() -> new RotationException(404, "Unknown rotation",
                    "no rotation '" + id + "'", null));
            if (r.state.isFinal()) {
                throw new RotationException(409, "Rotation finished", "rotation " + id + " is already " + r.state
                        + "; nothing to abort", id);
            }
            if (r.abortRefusal != null) {
                throw new RotationException(409, "Too late to abort", r.abortRefusal, id);
            }
            if (r.abortRequestedAt != null) {
                return r;
            }
            String refusal = notAbortable(r);
            if (refusal != null) {
                throw new RotationException(409, "Too late to abort", refusal, id);
            }
            r.abortRequestedBy = requestedBy;
            r.abortRequestedAt = Instant.now();
            r.abortReason = reason;
            try {
                rotations.update(r);
            } catch (StaleWriteException e) {
                continue;
            }
            Log.infof("rotation %s of key %s: abort requested by %s", id, r.keyId, requestedBy);
            Active a = active.get(id);
            if (a != null && !a.running.get()) {
                workers.execute(() -> run(id));
            }
            return r;
        }
        throw new RotationException(409, "Rotation busy", "rotation " + id + " kept changing; try again", id);
    }

    /**
     * A single-user secret key's change step started (a person was asked to change the key) but the old
     * key still works and no new one was kept: nothing irreversible happened yet, so it can still be
     * called off. Asked of Kashier, since the person may have acted without answering yet.
     */
    private boolean changeNotDoneYet(Rotation r, KeySpec key) {
        if (r.oldKeyExpiredAt != null || keys.pending(key.id(), r.id).isPresent()) {
            return false;
        }
        Optional<StoredKey> old = keys.version(key.id(), r.oldVersion);
        try {
            return old.isPresent() && kashierProbe.acceptsSecretKey(key.mode(), old.get().value());
        } catch (PassingFailure | FaultToleranceException e) {
            return false;
        }
    }

    /** An abort was asked for and not yet refused. */
    private static boolean abortPending(Rotation r, Active hold) {
        return (r.abortRequestedAt != null || hold.abortSeen) && r.abortRefusal == null;
    }

    /** Records that an accepted abort can no longer be honoured; the rotation goes on forward. */
    private void refuseAbort(Rotation r, Active hold, String refusal) {
        hold.abortSeen = false;
        r.abortRefusal = "abort not honoured: " + refusal;
        save(r, hold);
        Log.warnf("rotation %s of key %s: %s", r.id, r.keyId, r.abortRefusal);
    }

    private String notAbortable(Rotation r) {
        KeySpec key = inventory.key(r.keyId).orElseThrow();
        if (!key.isPaymentKey() && !key.alternates()
                && r.steps.stream().anyMatch(s -> s.name.equals(CHANGE_SECRET_KEY) && s.state != StepState.PENDING)
                && !changeNotDoneYet(r, key)) {
            return "the secret key was already changed on the Kashier dashboard, which expired the old one: there is "
                    + "no working key to go back to";
        }
        if (key.alternates() && r.oldKeyExpiredAt != null) {
            return "the key of user '" + r.fromUser + "' that dependents used no longer works on Kashier's side: "
                    + "there is no working key to go back to";
        }
        if (r.steps.stream().anyMatch(s -> s.name.equals(EXPIRE_OLD_KEY)
                && (s.state == StepState.DONE || s.state == StepState.RUNNING))) {
            return dashboard.automated() || r.step(EXPIRE_OLD_KEY).state == StepState.DONE
                    ? "the old payment key is already expired on the Kashier dashboard"
                    : "a person was asked to delete the old payment key in the Kashier dashboard and may have done "
                            + "so; finish that step (answer it once the key is deleted) instead";
        }
        return null;
    }

    /**
     * Puts everything back on the old key while it still works: dependents that may have switched get
     * {@code key.rolled_back} (vault-kv paths are rewritten), Vault serves the old key again if the new
     * one was promoted, the new key is deleted on the dashboard, and the rotation ends in {@code outcome}.
     * Every part first checks whether it is already done, so a crash mid-rollback just repeats it.
     *
     * @param cause why, or null for an abort (then the request in the record says who and why)
     */
    private void rollBack(Rotation r, KeySpec key, Active hold, RotationState outcome, String cause) {
        r.steps.stream().filter(s -> s.state == StepState.RUNNING || s.state == StepState.PENDING)
                .forEach(s -> {
                    if (s.state == StepState.RUNNING && r.awaitingDashboardSince != null
                            && (s.name.equals(ISSUE_NEW_KEY) || s.name.equals(CHANGE_SECRET_KEY))) {
                        // Its instructions are on a screen somewhere: say plainly they no longer apply.
                        s.detail = "Aborted before this was done: do not do it now. (It asked: " + s.detail + ")";
                    }
                    s.state = s.state == StepState.RUNNING ? StepState.FAILED : StepState.SKIPPED;
                    s.endedAt = s.state == StepState.FAILED ? Instant.now() : null;
                });
        Step step = r.steps.stream().filter(s -> s.name.equals(ROLL_BACK)).findFirst().orElseGet(() -> {
            Step added = new Step(ROLL_BACK);
            r.steps.add(added);
            return added;
        });
        step.state = StepState.RUNNING;
        step.startedAt = Objects.requireNonNullElse(step.startedAt, Instant.now());
        save(r, hold);
        String why = cause != null ? cause : "aborted by " + r.abortRequestedBy
                + (r.abortReason == null ? "" : ": " + r.abortReason);
        StoredKey old = keys.version(key.id(), r.oldVersion).orElseThrow(() -> new StepFailed(
                "the old key (version " + r.oldVersion + ") is no longer readable in Vault"));
        List<String> touched = new ArrayList<>(r.waves.stream().flatMap(w -> w.dependents.stream())
                .filter(d -> d.accepted).map(d -> d.id).toList());
        // A delivery whose answer failed (too late, or lost) may still have been applied: whoever was sent
        // the key and reports it now is rolled back too.
        List<String> unsure = r.waves.stream().flatMap(w -> w.dependents.stream())
                .filter(d -> !d.accepted && d.attempts > 0).map(d -> d.id).toList();
        if (!unsure.isEmpty() && r.newFingerprint != null) {
            Optional<StoredKey> sent = keys.pending(key.id(), r.id).or(() -> keys.current(key.id()))
                    .filter(k -> k.fingerprint().equals(r.newFingerprint));
            sent.ifPresent(k -> touched.addAll(distributor.reporting(new Delivery(r.id, Delivery.ROTATED, key, k,
                    Optional.empty(), Optional.empty(), keys.mount(), keys.path(key.id()), k.version()), unsure)));
        }
        Map<String, String> failures = distributor.restore(r, Delivery.rollback(r.id, key, old, keys.mount(),
                keys.path(key.id())), touched, key.rollout().allAtOnce());
        r.waves.stream().flatMap(w -> w.dependents.stream()).filter(d -> touched.contains(d.id)).forEach(d -> {
            d.state = failures.containsKey(d.id) ? Rotation.DependentState.ROLLBACK_FAILED
                    : Rotation.DependentState.ROLLED_BACK;
            d.error = failures.get(d.id);
        });
        String vault = "Vault still served the old key";
        StoredKey current = keys.current(key.id()).orElseThrow();
        if (r.newFingerprint != null && current.fingerprint().equals(r.newFingerprint)) {
            fence(hold);
            // As it was (user, rotatedAt): a rollback does not make an old key new, and the alternation goes on.
            StoredKey back = keys.promote(key.id(), old, current.version());
            vault = keys.mount() + "/" + keys.path(key.id()) + " serves the old key again (version " + back.version()
                    + ")";
        }
        String dashboardDetail = "";
        if (key.isPaymentKey() && r.newFingerprint != null && !failures.isEmpty()) {
            // Some dependent may still use the new key: deleting it would leave that one on a dead key.
            dashboardDetail = "; the new payment key (fingerprint " + r.newFingerprint + ") stays active because "
                    + String.join(", ", failures.keySet()) + " may still use it: once they are back on fingerprint "
                    + r.oldFingerprint + ", delete it in the Kashier dashboard (" + key.mid() + ", " + key.mode()
                    + " mode)";
        } else if (key.isPaymentKey() && r.newFingerprint != null) {
            fence(hold);
            try {
                dashboard.deletePaymentKey(key, r.newKashierKeyId, r.newFingerprint);
                dashboardDetail = "; deleted new payment key " + r.newKashierKeyId + " on the dashboard";
            } catch (Dashboard.NeedsPerson e) {
                dashboardDetail = "; delete the new payment key (fingerprint " + r.newFingerprint + ") in the "
                        + "Kashier dashboard (" + key.mid() + ", " + key.mode() + " mode) by hand: every dependent "
                        + "that was sent it is back on fingerprint " + r.oldFingerprint + ", so nothing uses it";
            }
        }
        keys.clearPending(key.id());
        step.state = failures.isEmpty() ? StepState.DONE : StepState.FAILED;
        step.endedAt = Instant.now();
        step.detail = touched.size() - failures.size() + " of " + touched.size() + " dependent(s) back on fingerprint "
                + r.oldFingerprint + (failures.isEmpty() ? "" : " (not: " + String.join(", ", failures.keySet())
                + ")") + "; " + vault + dashboardDetail;
        r.state = outcome;
        r.error = why + (failures.isEmpty() ? "" : "; rollback incomplete for " + String.join(", ",
                failures.keySet()));
        finish(r, key, hold);
        Log.warnf("rotation %s of key %s %s: %s", r.id, r.keyId, outcome, r.error);
    }

    private void renewLeases() {
        active.forEach((id, a) -> {
            if (a.lost) {
                return;
            }
            try {
                Optional<Claim> renewed;
                synchronized (a.claimLock) {
                    renewed = rotations.renew(a.claim, settings.leaseTtl());
                    renewed.ifPresent(c -> a.claim = c);
                }
                if (renewed.isPresent()) {
                    Optional<Rotation> record = rotations.get(id);
                    if (!a.abortSeen && record.map(r -> r.abortRequestedAt != null).orElse(false)) {
                        a.abortSeen = true;
                        if (!a.running.get()) {
                            // Idle in grace and someone asked to abort: act now, not when grace ends.
                            workers.execute(() -> run(id));
                        }
                    }
                    if (!a.running.get() && awaiting.containsKey(id) && record.map(r -> r.dashboardAnsweredAt != null
                            && r.dashboardAnsweredAt.isAfter(awaiting.get(id).since())).orElse(false)) {
                        // Answered through another replica.
                        workers.execute(() -> run(id));
                    }
                    if (stalled(a.running.get(), awaiting.containsKey(id), a.idleSince, a.wakeAt, Instant.now(),
                            settings.leaseTtl()) && record.map(r -> !r.state.isFinal()).orElse(false)) {
                        // Held (the lease is renewed) but nobody works on it and nothing is due to: without
                        // this, no replica would ever take it over. Should not happen; counted and alerted.
                        Log.warnf("rotation %s: held but idle since %s with nothing scheduled; resuming it", id,
                                a.idleSince);
                        a.idleSince = null;
                        metrics.counter("rotator.rotations.stalled.resumed").increment();
                        workers.execute(() -> run(id));
                    }
                } else {
                    a.lost = true;
                    Log.warnf("rotation %s: lease on key %s was taken over; this replica stops it", id,
                            a.claim.keyId());
                }
            } catch (RuntimeException e) {
                if (a.claim.expired(Instant.now())) {
                    // Unrenewed past its lease: another replica may hold it by now. Act as if it does.
                    a.lost = true;
                    Log.warnf("rotation %s: lease on key %s ran out while renewal failed (%s); this replica stops it",
                            id, a.claim.keyId(), e.getMessage());
                } else {
                    Log.warnf("rotation %s: lease renewal failed: %s", id, e.getMessage());
                }
            }
        });
    }

    /**
     * Renews the claim right before a side effect that cannot be undone (a dashboard change, a
     * promotion): a replica that was superseded meanwhile fails here instead of acting twice.
     */
    private void fence(Active hold) {
        synchronized (hold.claimLock) {
            if (hold.lost) {
                throw new LeaseLost("the lease on key " + hold.claim.keyId() + " was lost");
            }
            Optional<Claim> renewed = rotations.renew(hold.claim, settings.leaseTtl());
            if (renewed.isEmpty()) {
                hold.lost = true;
                throw new LeaseLost("the claim on key " + hold.claim.keyId() + " changed under this replica");
            }
            hold.claim = renewed.get();
        }
    }

    /**
     * Whether a rotation this replica holds is stalled: no run inside it, not waiting for a person in the
     * dashboard, idle for more than a lease, and not waiting for a continuation that is due (with a
     * lease of slack).
     */
    static boolean stalled(boolean running, boolean awaitingDashboard, Instant idleSince, Instant wakeAt,
                           Instant now, Duration lease) {
        if (running || awaitingDashboard || idleSince == null || !now.isAfter(idleSince.plus(lease))) {
            return false;
        }
        return wakeAt == null || now.isAfter(wakeAt.plus(lease));
    }

    private Rotation newRotation(KeySpec key, StoredKey current, RotationRequest request) {
        Rotation r = new Rotation();
        Instant now = Instant.now();
        byte[] random = new byte[3];
        ID_RANDOM.nextBytes(random);
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
        if (key.alternates()) {
            r.fromUser = current.user().orElse(null);
            r.toUser = key.nextUser(current.user());
        }
        r.emergency = request.emergency();
        r.order = request.emergency() ? Objects.requireNonNullElse(request.order(), RotationRequest.PUSH_FIRST) : null;
        plan(key, r.emergency, r.order).forEach(s -> r.steps.add(new Step(s)));
        Map<Integer, Wave> waves = new TreeMap<>();
        for (DependentSpec d : inventory.dependentsOf(key.id())) {
            waves.computeIfAbsent(d.wave(), Wave::new).dependents.add(new DependentOutcome(d.id(), d.type().id()));
        }
        r.waves.addAll(waves.values());
        return r;
    }

    /** Runs (or resumes) a rotation from its first unfinished step. */
    private void run(String rotationId) {
        Active hold = active.get(rotationId);
        if (hold == null || !hold.running.compareAndSet(false, true)) {
            return;
        }
        Rotation r = null;
        boolean keepHold = false;
        Instant continueAt = null;
        try {
            r = rotations.get(rotationId).orElseThrow();
            KeySpec key = inventory.key(r.keyId).orElseThrow();
            if (r.state.isFinal()) {
                return;
            }
            if (r.epoch > hold.claim.epoch()) {
                // Another replica took it over with a newer claim (this one's renewals failed, say): stop,
                // never write our older epoch over theirs.
                hold.lost = true;
                metrics.counter("rotator.rotations.superseded").increment();
                throw new LeaseLost("rotation " + r.id + " is run by " + r.owner + " under epoch " + r.epoch
                        + ", newer than this replica's " + hold.claim.epoch());
            }
            awaiting.remove(rotationId);
            if (r.state == RotationState.AWAITING_DASHBOARD) {
                r.state = RotationState.RUNNING;
                if (r.dashboardAnsweredAt != null && r.awaitingDashboardSince != null
                        && !r.dashboardAnsweredAt.isBefore(r.awaitingDashboardSince)) {
                    // Answered: the next dashboard step of this rotation waits from when it parks.
                    r.awaitingDashboardSince = null;
                }
                save(r, hold);
            }
            if (r.state == RotationState.PENDING || !instanceId.equals(r.owner) || r.epoch != hold.claim.epoch()) {
                r.state = RotationState.RUNNING;
                r.owner = instanceId;
                r.epoch = hold.claim.epoch();
                save(r, hold);
            }
            for (String name : r.steps.stream().map(st -> st.name).toList()) {
                if (abortPending(r, hold)) {
                    String refusal = notAbortable(r);
                    if (refusal == null) {
                        rollBack(r, key, hold, RotationState.ABORTED, null);
                        return;
                    }
                    refuseAbort(r, hold, refusal);
                }
                Step step = r.step(name);
                if (step.state == StepState.DONE || step.state == StepState.SKIPPED) {
                    continue;
                }
                if (name.equals(GRACE)) {
                    Duration left = Duration.between(Instant.now(), r.graceUntil);
                    if (!left.isNegative() && !left.isZero()) {
                        step.state = StepState.RUNNING;
                        step.startedAt = Objects.requireNonNullElse(step.startedAt, Instant.now());
                        step.detail = "previous key " + Objects.requireNonNullElse(r.oldKashierKeyId, r.oldFingerprint)
                                + " stays valid until " + r.graceUntil;
                        save(r, hold);
                        Log.infof("rotation %s key %s: previous key valid until %s", r.id, r.keyId, r.graceUntil);
                        // Scheduled in finally, once this run has let go: a continuation due in under a
                        // millisecond would otherwise find the rotation still running, return, and leave
                        // it held (lease renewed) with nobody working on it.
                        continueAt = r.graceUntil;
                        keepHold = true;
                        return;
                    }
                }
                runStep(r, key, name, hold);
            }
            r.state = RotationState.COMPLETED;
            r.error = null;
            finish(r, key, hold);
            Log.infof("rotation %s of key %s completed: fingerprint %s -> %s", r.id, r.keyId, r.oldFingerprint,
                    r.newFingerprint);
        } catch (Parked e) {
            keepHold = true;
        } catch (RollBackNow e) {
            rollBackOrLeave(r, hold, RotationState.ROLLED_BACK, "ROLLOUT: " + e.getMessage());
        } catch (AbortNow e) {
            if (r == null) {
                return;
            }
            String refusal = notAbortable(r);
            if (refusal == null) {
                rollBackOrLeave(r, hold, RotationState.ABORTED, null);
            } else {
                // Accepted while it could still be honoured, too late now: say so and go on forward.
                try {
                    refuseAbort(r, hold, refusal);
                    continueAt = Instant.now();
                    keepHold = true;
                } catch (RuntimeException again) {
                    Log.warnf("rotation %s: could not record the refused abort (%s); it resumes from Vault", r.id,
                            again.getClass().getSimpleName());
                }
            }
        } catch (LeaseLost e) {
            Log.warnf("rotation %s stopped on this replica: %s", rotationId, e.getMessage());
        } catch (PassingFailure e) {
            // Recording a transition failed, outside a step's retries. Failing the rotation would need Vault
            // too, and could strand a key that is already changed: try again later, from what Vault holds.
            Log.warnf("rotation %s: Vault unavailable (%s); trying again in %d ms", rotationId, e.getMessage(),
                    longestBackoff().toMillis());
            continueAt = Instant.now().plus(longestBackoff());
            keepHold = true;
        } catch (StepFailed e) {
            fail(r, e.getMessage(), hold);
        } catch (RuntimeException e) {
            Log.errorf("rotation %s stopped: %s: %s", rotationId, e.getClass().getSimpleName(), e.getMessage());
            if (r != null) {
                fail(r, "internal error: " + e.getClass().getSimpleName() + ": " + e.getMessage(), hold);
            }
        } finally {
            hold.wakeAt = continueAt;
            hold.idleSince = Instant.now();
            hold.running.set(false);
            if (!keepHold) {
                active.remove(rotationId);
            }
            if (continueAt != null) {
                long delay = Math.max(0, Duration.between(Instant.now(), continueAt).toMillis());
                workers.schedule(() -> run(rotationId), delay, TimeUnit.MILLISECONDS);
            }
        }
    }

    /**
     * Rolls back; if that is cut short (Vault unreachable, lease lost), the rotation stays unfinished in
     * Vault and is resumed, rollback and all, by whichever replica holds its lease next.
     */
    private void rollBackOrLeave(Rotation r, Active hold, RotationState outcome, String cause) {
        try {
            rollBack(r, inventory.key(r.keyId).orElseThrow(), hold, outcome, cause);
        } catch (LeaseLost e) {
            Log.warnf("rotation %s stopped on this replica: %s", r.id, e.getMessage());
        } catch (RuntimeException e) {
            Log.errorf("rollback of rotation %s cut short (%s: %s); it resumes from Vault", r.id,
                    e.getClass().getSimpleName(), e.getMessage());
        }
    }

    /** Runs one step with bounded retries for passing failures; a step already done is skipped. */
    private void runStep(Rotation r, KeySpec key, String name, Active hold) {
        Step s = r.step(name);
        // RUNNING as persisted: a replica stopped inside this step, which may have done part of its work.
        boolean resumed = s.state == StepState.RUNNING;
        for (int attempt = 1; ; attempt++) {
            hooks.beforeStepRecorded(r, name);
            Instant startedBefore = s.startedAt;
            s.state = StepState.RUNNING;
            s.startedAt = Objects.requireNonNullElse(s.startedAt, Instant.now());
            s.endedAt = null;
            if (attempt == 1) {
                save(r, hold);
            } else {
                // A retry: the step is recorded RUNNING already, and Vault may be what is failing.
                trySave(r, hold);
            }
            if (!resumed && attempt == 1 && abortPending(r, hold)) {
                // The abort landed before this step was recorded RUNNING (the write above merged it, or the
                // heartbeat saw it): the API accepted it while the step had not started, so nothing of it may
                // happen now, least of all an irreversible expiry.
                s.state = StepState.PENDING;
                s.startedAt = startedBefore;
                throw new AbortNow();
            }
            Log.infof("rotation %s key %s: step %s started (attempt %d)", r.id, r.keyId, name, attempt);
            hooks.beforeStep(r, name);
            try {
                String detail = work(r, key, name, hold, resumed || attempt > 1);
                retrying.remove(r.id);
                hooks.afterStep(r, name);
                s.detail = detail;
                s.state = StepState.DONE;
                s.endedAt = Instant.now();
                save(r, hold);
                Log.infof("rotation %s key %s: step %s done", r.id, r.keyId, name);
                return;
            } catch (Dashboard.NeedsPerson e) {
                s.detail = Instructions.forPerson(e, r, key, name);
                r.state = RotationState.AWAITING_DASHBOARD;
                r.awaitingDashboardSince = Objects.requireNonNullElse(r.awaitingDashboardSince, Instant.now());
                save(r, hold);
                awaiting.put(r.id, new Awaiting(r.id, r.keyId, name, r.awaitingDashboardSince));
                Log.infof("rotation %s key %s: step %s waits for a person in the Kashier dashboard", r.id, r.keyId,
                        name);
                throw new Parked();
            } catch (StepFailed | LeaseLost e) {
                if (e instanceof StepFailed) {
                    s.state = StepState.FAILED;
                    s.endedAt = Instant.now();
                    s.detail = e.getMessage();
                    throw new StepFailed(name + ": " + e.getMessage());
                }
                throw e;
            } catch (PassingFailure | StaleWriteException | FaultToleranceException e) {
                if (attempt >= settings.stepAttempts() && name.equals(VERIFY_NEW_KEY) && oldKeyDead(r)) {
                    // Kashier's API is what failed, and the old key is dead anyway: holding the new key back
                    // helps nobody. It goes out unverified (a manual answer was probed when it was sent).
                    retrying.remove(r.id);
                    s.detail = "not verified: Kashier's " + key.mode() + " API did not answer after " + attempt
                            + " attempts (" + e.getMessage() + "); the old key is already dead, so the new key "
                            + r.newFingerprint + " goes out unverified"
                            + (dashboard.automated() ? "" : " (Kashier accepted it when it was sent)");
                    s.state = StepState.DONE;
                    s.endedAt = Instant.now();
                    save(r, hold);
                    Log.warnf("rotation %s key %s: %s", r.id, r.keyId, s.detail);
                    return;
                }
                if (attempt >= settings.stepAttempts() && oldKeyDead(r)) {
                    // Giving up would leave every dependent on a dead key with the only working one parked in
                    // Vault: keep trying, at the longest backoff, and say so (metric, readiness).
                    retrying.put(r.id, r.keyId + ", " + name + ": " + e.getMessage());
                    s.detail = "attempt " + attempt + " failed (" + e.getMessage() + "); the old key is dead, so "
                            + "this step is retried until it succeeds (every " + longestBackoff().toMillis() + " ms)";
                    Log.errorf("rotation %s key %s: step %s: %s", r.id, r.keyId, name, s.detail);
                    trySave(r, hold);
                    sleep(longestBackoff());
                    continue;
                }
                if (attempt >= settings.stepAttempts()) {
                    s.state = StepState.FAILED;
                    s.endedAt = Instant.now();
                    s.detail = e.getMessage();
                    throw new StepFailed(name + ": gave up after " + attempt + " attempts: " + e.getMessage());
                }
                Duration pause = backoff(attempt);
                s.detail = "attempt " + attempt + " failed (" + e.getMessage() + "); retrying in " + pause.toMillis()
                        + " ms";
                Log.warnf("rotation %s key %s: step %s: %s", r.id, r.keyId, name, s.detail);
                trySave(r, hold);
                sleep(pause);
            }
        }
    }

    /**
     * The work of one step. Each first checks whether its work is already done.
     *
     * @param again the step ran before (resumed or retried) and may have done part of its work
     */
    private String work(Rotation r, KeySpec key, String name, Active hold, boolean again) {
        return switch (name) {
            case ISSUE_NEW_KEY -> {
                fence(hold);
                yield issuePaymentKey(r, key, again);
            }
            case CHANGE_SECRET_KEY -> {
                fence(hold);
                yield changeSecretKey(r, key);
            }
            case VERIFY_NEW_KEY -> verify(r, key);
            case STAGE_PENDING -> {
                StoredKey pending = pending(r);
                long version = keys.stagePending(key.id(), r.id, pending, "verified");
                yield "verified key staged at " + keys.mount() + "/" + keys.pendingPath(key.id()) + " (version "
                        + version + "); readers of " + keys.mount() + "/" + keys.path(key.id()) + " still get the old key";
            }
            case ROLLOUT -> rollout(r, key, hold);
            case PROMOTE, STORE_NEW_KEY -> {
                fence(hold);
                yield promote(r, key);
            }
            case GRACE -> "grace ended at " + r.graceUntil;
            case EXPIRE_OLD_KEY -> {
                holdExpiryForStragglers(r, key, hold);
                fence(hold);
                if (!key.isPaymentKey()) {
                    // Alternating users: changing the previous user's key kills the (leaked) old one; the
                    // new value is thrown away, and changed again when that user's turn comes.
                    if (Objects.equals(r.fromUser, r.toUser)) {
                        // The person changed the live user's key at CHANGE_SECRET_KEY: the old key died then,
                        // and changing that user's key again would kill the new one.
                        yield "the key of user '" + r.fromUser + "' died when it was changed at CHANGE_SECRET_KEY; "
                                + "not changed again";
                    }
                    if (dashboard.automated() || !r.confirmedSteps.contains(EXPIRE_OLD_KEY)) {
                        dashboard.expireSecretKey(key, r.fromUser);
                    }
                    r.oldKeyExpiredAt = Objects.requireNonNullElse(r.oldKeyExpiredAt, Instant.now());
                    r.triggerToOldKeyExpiredMs = Duration.between(r.createdAt, r.oldKeyExpiredAt).toMillis();
                    yield "changed the key of user '" + r.fromUser + "' on the dashboard: the old key is dead";
                }
                if (dashboard.automated() || !r.confirmedSteps.contains(EXPIRE_OLD_KEY)) {
                    dashboard.deletePaymentKey(key, r.oldKashierKeyId, r.oldFingerprint);
                }
                r.oldKeyExpiredAt = Objects.requireNonNullElse(r.oldKeyExpiredAt, Instant.now());
                r.triggerToOldKeyExpiredMs = Duration.between(r.createdAt, r.oldKeyExpiredAt).toMillis();
                yield (dashboard.automated() ? "deleted" : r.dashboardAnsweredBy + " deleted") + " the previous payment "
                        + "key (fingerprint " + r.oldFingerprint + ") in the " + key.mode() + " dashboard";
            }
            default -> throw new IllegalStateException("unknown step " + name);
        };
    }

    /**
     * The old key must not expire while a dependent is known to hold only it (a failure tolerated by
     * {@code failure-threshold}, say): deliver to every dependent that has not confirmed the new key once
     * more, all at once, and if any still has not, wait for a person instead of expiring. Not for
     * revoke-first, whose expiry comes before the rollout on purpose.
     */
    private void holdExpiryForStragglers(Rotation r, KeySpec key, Active hold) {
        if (r.step(ROLLOUT).state != StepState.DONE) {
            return;
        }
        List<String> before = stragglers(r);
        if (before.isEmpty()) {
            return;
        }
        distributor.forgetFailures(before);
        StoredKey current = keys.current(key.id()).filter(k -> k.fingerprint().equals(r.newFingerprint))
                .orElseThrow(() -> new StepFailed("Vault does not serve the new key " + r.newFingerprint));
        Delivery delivery = new Delivery(r.id, Delivery.ROTATED, key, current, Optional.empty(), Optional.empty(),
                keys.mount(), keys.path(key.id()), current.version());
        try {
            distributor.distribute(r, delivery, key.rollout().allAtOnce(), true, progress(r, hold),
                    () -> abortPending(r, hold));
        } catch (Distributor.RolloutFailedException e) {
            // Judged below, without the failure threshold.
        }
        List<String> behind = stragglers(r);
        if (!behind.isEmpty()) {
            r.blockedBy = new ArrayList<>(behind);
            throw new Dashboard.NeedsPerson(Instructions.stragglers(r, key, behind, errors(r, behind)));
        }
    }

    private static List<String> stragglers(Rotation r) {
        synchronized (r) {
            return r.waves.stream().flatMap(w -> w.dependents.stream())
                    .filter(d -> d.state != Rotation.DependentState.CONFIRMED).map(d -> d.id).toList();
        }
    }

    private static String errors(Rotation r, List<String> ids) {
        synchronized (r) {
            return r.waves.stream().flatMap(w -> w.dependents.stream()).filter(d -> ids.contains(d.id))
                    .map(d -> d.id + ": " + Objects.requireNonNullElse(d.error, String.valueOf(d.state)))
                    .collect(java.util.stream.Collectors.joining("; "));
        }
    }

    private Distributor.Progress progress(Rotation r, Active hold) {
        AtomicLong lastSave = new AtomicLong();
        return new Distributor.Progress() {
            @Override
            public void waveChanged() {
                lastSave.set(System.nanoTime());
                progressSave(r, hold);
            }

            @Override
            public void dependentChanged() {
                long now = System.nanoTime();
                long last = lastSave.get();
                // At most a few writes a second, by one thread: a big wave must not flood Vault.
                if (now - last > 250_000_000L && lastSave.compareAndSet(last, now)) {
                    progressSave(r, hold);
                }
                hooks.duringRollout(r);
            }
        };
    }

    private String issuePaymentKey(Rotation r, KeySpec key, boolean again) {
        Optional<StoredKey> kept = keys.pending(key.id(), r.id);
        if (kept.isPresent()) {
            r.newFingerprint = kept.get().fingerprint();
            r.newKashierKeyId = kept.get().kashierKeyId().orElse(null);
            if (!dashboard.automated()) {
                return "the new payment API key sent by " + r.dashboardAnsweredBy + " (fingerprint " + r.newFingerprint
                        + ") is kept under label 'issued'";
            }
            return "payment API key " + Objects.requireNonNullElse(r.newKashierKeyId, "") + " (fingerprint "
                    + r.newFingerprint + ") was already issued and kept; not issuing another";
        }
        if (!dashboard.automated()) {
            // An answer recorded but never kept (a crash between the two) is asked for again.
            r.newFingerprint = null;
        }
        String cleaned = again && dashboard.automated() ? deleteOrphans(r, key) : "";
        IssuedKey issued = dashboard.issuePaymentKey(key);
        StoredKey fresh = StoredKey.of(issued.value(), issued.kashierKeyId(), Instant.now());
        keys.stagePending(key.id(), r.id, fresh, "issued");
        r.newFingerprint = fresh.fingerprint();
        r.newKashierKeyId = issued.kashierKeyId().orElse(null);
        return cleaned + "issued payment API key " + r.newKashierKeyId + " (fingerprint " + r.newFingerprint
                + ") on the " + key.mode() + " dashboard of " + key.mid() + "; kept under label 'issued'";
    }

    /**
     * A replica that died (or a Vault write that failed) between issuing a key and keeping it leaves a
     * key nobody holds: delete every active payment key of this account and mode that appeared since
     * this step first started and that no key of the inventory holds, so only one new key stays active.
     */
    private String deleteOrphans(Rotation r, KeySpec key) {
        Instant since = r.step(ISSUE_NEW_KEY).startedAt.minusSeconds(1);
        List<String> held = new ArrayList<>();
        for (KeySpec other : inventory.keys()) {
            if (other.isPaymentKey() && other.mid().equals(key.mid()) && other.mode() == key.mode()) {
                keys.current(other.id()).ifPresent(k -> held.add(k.fingerprint()));
                rotations.holder(other.id()).flatMap(id -> keys.pending(other.id(), id))
                        .ifPresent(k -> held.add(k.fingerprint()));
            }
        }
        List<String> orphans = dashboard.paymentKeys(key).stream()
                .filter(k -> k.active() && !k.createdAt().isBefore(since) && !held.contains(k.fingerprint()))
                .map(Dashboard.DashboardKey::id)
                .toList();
        orphans.forEach(id -> dashboard.deletePaymentKey(key, id, null));
        return orphans.isEmpty() ? "" : "deleted " + orphans.size() + " key(s) issued before a crash and never kept; ";
    }

    private String changeSecretKey(Rotation r, KeySpec key) {
        Optional<StoredKey> kept = keys.pending(key.id(), r.id);
        if (kept.isPresent()) {
            r.newFingerprint = kept.get().fingerprint();
            if (!key.alternates()) {
                // The pending key was stamped when the dashboard changed it: that is when the old key died.
                r.oldKeyExpiredAt = Objects.requireNonNullElse(r.oldKeyExpiredAt, kept.get().rotatedAt());
            }
            String by = dashboard.automated() ? "" : ", sent by " + r.dashboardAnsweredBy;
            if (key.alternates() && Objects.equals(r.fromUser, r.toUser)) {
                return "the key of '" + r.fromUser + "' that dependents used was changed instead of the standby's "
                        + "(fingerprint " + r.newFingerprint + by + "): it died at " + r.oldKeyExpiredAt + ", so the "
                        + "new key goes to every dependent at once";
            }
            if (key.alternates()) {
                return "the secret key of standby user '" + r.toUser + "' was changed (fingerprint " + r.newFingerprint
                        + by + ") and is kept; the key of '" + r.fromUser + "' that dependents use keeps working";
            }
            return "the secret key was changed (fingerprint " + r.newFingerprint + by + "); the old key stopped "
                    + "working at " + r.oldKeyExpiredAt;
        }
        String user = key.alternates() ? r.toUser : key.user();
        if (!dashboard.automated()) {
            // An answer recorded but never kept (a crash between the two) is asked for again.
            r.newFingerprint = null;
        }
        IssuedKey issued = dashboard.changeSecretKey(key, user);
        Instant changedAt = Instant.now();
        StoredKey fresh = StoredKey.of(issued.value(), Optional.empty(), changedAt)
                .withUser(key.alternates() ? user : null);
        keys.stagePending(key.id(), r.id, fresh, "issued");
        r.newFingerprint = fresh.fingerprint();
        if (key.alternates()) {
            return "changed the secret key of standby user '" + user + "' on the " + key.mode() + " dashboard of "
                    + key.mid() + " (new fingerprint " + r.newFingerprint + "); the key of user '" + r.fromUser
                    + "' that dependents use keeps working";
        }
        // If a crash lost an earlier change, the key died then; the exposure started at the first change.
        r.oldKeyExpiredAt = Objects.requireNonNullElse(r.oldKeyExpiredAt, changedAt);
        r.triggerToOldKeyExpiredMs = Duration.between(r.createdAt, r.oldKeyExpiredAt).toMillis();
        return "changed the secret key of user '" + user + "' on the " + key.mode() + " dashboard of "
                + key.mid() + " (new fingerprint " + r.newFingerprint + "); the old key stopped working at "
                + r.oldKeyExpiredAt;
    }

    private String verify(Rotation r, KeySpec key) {
        if (key.isPaymentKey() && !dashboard.automated()) {
            return "entered by " + r.dashboardAnsweredBy + " and format-checked; Kashier offers no API to list "
                    + "payment keys, so the rollout's dependents are what proves it";
        }
        if (key.isPaymentKey()) {
            boolean listed = dashboard.paymentKeys(key).stream().anyMatch(k -> k.active()
                    && k.id().equals(r.newKashierKeyId) && k.fingerprint().equals(r.newFingerprint));
            if (!listed) {
                throw new StepFailed("the dashboard does not list payment key " + r.newKashierKeyId
                        + " as active with fingerprint " + r.newFingerprint);
            }
            return "the " + key.mode() + " dashboard lists " + r.newKashierKeyId + " as active";
        }
        if (!kashier.acceptsSecretKey(key.mode(), pending(r).value())) {
            throw new StepFailed("Kashier's " + key.mode() + " API rejects the new secret key (HTTP 401)");
        }
        return "Kashier's " + key.mode() + " API accepts the new key";
    }

    private String promote(Rotation r, KeySpec key) {
        StoredKey current = keys.current(key.id()).orElseThrow(() -> new StepFailed("the key vanished from Vault"));
        if (current.fingerprint().equals(r.newFingerprint)) {
            r.newVersion = current.version();
        } else {
            StoredKey stored = keys.promote(key.id(), pending(r), r.oldVersion);
            r.newVersion = stored.version();
        }
        keys.clearPending(key.id());
        return keys.mount() + "/" + keys.path(key.id()) + " is now version " + r.newVersion
                + (key.isPaymentKey() ? " (new key); version " + r.oldVersion + " keeps the previous key" : "");
    }

    private String rollout(Rotation r, KeySpec key, Active hold) {
        Instant started = r.step(ROLLOUT).startedAt;
        if (started != null && r.dashboardAnsweredAt != null && r.dashboardAnsweredAt.isAfter(started)) {
            // A person answered while this rollout waited for them: they fixed the dependents it could not reach.
            distributor.forgetFailures(stragglers(r));
        }
        Delivery delivery;
        if (key.isPaymentKey() && r.emergency) {
            // No grace in an emergency: dependents are not handed the old key to keep accepting.
            StoredKey fresh = pending(r);
            delivery = new Delivery(r.id, Delivery.ROTATED, key, fresh, Optional.empty(), Optional.empty(),
                    keys.mount(), keys.pendingPath(key.id()), fresh.version());
        } else if (key.isPaymentKey()) {
            if (r.graceUntil == null) {
                r.graceUntil = Instant.now().plus(key.grace());
                save(r, hold);
            }
            StoredKey fresh = pending(r);
            StoredKey old = keys.version(key.id(), r.oldVersion).orElseThrow(() -> new StepFailed(
                    "the previous key (version " + r.oldVersion + ") is no longer readable in Vault"));
            delivery = new Delivery(r.id, Delivery.ROTATED, key, fresh, Optional.of(old), Optional.of(r.graceUntil),
                    keys.mount(), keys.pendingPath(key.id()), fresh.version());
        } else if (key.alternates()) {
            StoredKey fresh = pending(r);
            delivery = new Delivery(r.id, Delivery.ROTATED, key, fresh, Optional.empty(), Optional.empty(),
                    keys.mount(), keys.pendingPath(key.id()), fresh.version());
        } else {
            StoredKey fresh = keys.current(key.id()).filter(k -> k.fingerprint().equals(r.newFingerprint))
                    .orElseThrow(() -> new StepFailed("Vault does not hold the new key " + r.newFingerprint));
            delivery = new Delivery(r.id, Delivery.ROTATED, key, fresh, Optional.empty(), Optional.empty(),
                    keys.mount(), keys.path(key.id()), fresh.version());
        }
        try {
            // A single-user secret key's old value is already dead: no time for staging.
            boolean allAtOnce = (!key.isPaymentKey() && (!key.alternates() || r.oldKeyExpiredAt != null))
                    || r.emergency;
            distributor.distribute(r, delivery, allAtOnce ? key.rollout().allAtOnce() : key.rollout(),
                    allAtOnce, progress(r, hold), () -> abortPending(r, hold));
        } catch (Distributor.RolloutFailedException e) {
            if (abortPending(r, hold)) {
                throw new AbortNow();
            }
            if (notAbortable(r) == null) {
                // The old key still works: put every dependent back on it rather than leave a split fleet.
                throw new RollBackNow(e.getMessage());
            }
            // No way back: the old key is dead. Failing would leave these dependents on it with nobody
            // told what to do; wait for a person to fix them, then deliver again.
            List<String> behind = stragglers(r);
            r.blockedBy = new ArrayList<>(behind);
            throw new Dashboard.NeedsPerson(Instructions.stranded(r, key, behind, errors(r, behind)));
        }
        if (!key.isPaymentKey() && r.oldKeyExpiredAt != null) {
            Instant lastConfirmed = r.waves.stream().flatMap(w -> w.dependents.stream())
                    .map(d -> d.confirmedAt).filter(Objects::nonNull).max(Instant::compareTo).orElse(Instant.now());
            r.exposureWindowMs = Math.max(0, Duration.between(r.oldKeyExpiredAt, lastConfirmed).toMillis());
        }
        long confirmed = r.waves.stream().flatMap(w -> w.dependents.stream())
                .filter(d -> d.state == Rotation.DependentState.CONFIRMED).count();
        return confirmed + " dependent(s) in " + r.waves.size() + " wave(s) confirmed fingerprint " + r.newFingerprint
                + (r.exposureWindowMs == null ? "" : "; exposure window " + r.exposureWindowMs + " ms");
    }

    private StoredKey pending(Rotation r) {
        StoredKey staged = keys.pending(r.keyId, r.id).orElseThrow(() -> new StepFailed("the new key "
                + r.newFingerprint + " is no longer staged at " + keys.mount() + "/" + keys.pendingPath(r.keyId)));
        if (r.newFingerprint != null && !staged.fingerprint().equals(r.newFingerprint)) {
            throw new StepFailed("the key staged at " + keys.mount() + "/" + keys.pendingPath(r.keyId)
                    + " (fingerprint " + staged.fingerprint() + ") is not the one this rotation took ("
                    + r.newFingerprint + "): something else wrote it");
        }
        return staged;
    }

    private void fail(Rotation r, String error, Active hold) {
        r.state = RotationState.FAILED;
        r.error = error;
        r.steps.stream().filter(s -> s.state == StepState.PENDING).forEach(s -> s.state = StepState.SKIPPED);
        Log.errorf("rotation %s of key %s failed: %s", r.id, r.keyId, error);
        try {
            finish(r, inventory.key(r.keyId).orElseThrow(), hold);
        } catch (LeaseLost | PassingFailure e) {
            // Left unfinished in Vault: whoever holds or takes over the lease finishes it.
            Log.warnf("rotation %s: could not record the failure: %s", r.id, e.getMessage());
        }
    }

    private void finish(Rotation r, KeySpec key, Active hold) {
        save(r, hold);
        retrying.remove(r.id);
        awaiting.remove(r.id);
        rotations.release(hold.claim);
        metrics.counter("rotator.rotations", "outcome", r.state.name().toLowerCase(), "kind", key.kind().id(),
                "mode", key.mode().id(), "trigger", r.trigger).increment();
        metrics.timer("rotator.rotation.duration", "kind", r.kind, "mode", r.mode,
                "outcome", r.state.name().toLowerCase()).record(Duration.between(r.createdAt, Instant.now()));
        if (r.exposureWindowMs != null) {
            metrics.summary("rotator.exposure.window.ms", "mode", key.mode().id()).record(r.exposureWindowMs);
        }
    }

    /** Persists the record; fenced: a replica that lost its lease (or was overtaken) cannot write. */
    private void save(Rotation r, Active hold) {
        // One write at a time per rotation (check-and-set order); the record itself is locked only while
        // it is serialised.
        synchronized (hold) {
            if (hold.lost) {
                throw new LeaseLost("the lease on key " + r.keyId + " was taken over");
            }
            synchronized (r) {
                r.updatedAt = Instant.now();
            }
            try {
                rotations.update(r);
            } catch (StaleWriteException e) {
                // Either another replica took the rotation over, or someone asked to abort it.
                Rotation stored = rotations.get(r.id).orElse(null);
                if (stored == null || !instanceId.equals(stored.owner) || stored.epoch != hold.claim.epoch()
                        || stored.abortRequestedAt == null) {
                    hold.lost = true;
                    throw new LeaseLost("another replica wrote rotation " + r.id);
                }
                synchronized (r) {
                    r.abortRequestedAt = stored.abortRequestedAt;
                    r.abortRequestedBy = stored.abortRequestedBy;
                    r.abortReason = stored.abortReason;
                    r.storeVersion = stored.storeVersion;
                }
                rotations.update(r);
            }
        }
    }

    /**
     * Records a rollout's progress. Best effort: the rollout itself goes on if Vault hiccups (the step's
     * own record at its end carries the state, and is retried); only a lost lease stops it.
     */
    private void progressSave(Rotation r, Active hold) {
        try {
            hooks.beforeProgressSave(r);
            save(r, hold);
        } catch (PassingFailure e) {
            Log.warnf("rotation %s key %s: progress not recorded (%s); the rollout goes on", r.id, r.keyId,
                    e.getMessage());
        }
    }

    private void trySave(Rotation r, Active hold) {
        try {
            save(r, hold);
        } catch (PassingFailure e) {
            // Vault is what failed: the record catches up at the next successful write.
        }
    }

    /** The pause between tries once a step is retried without limit: 32 × step-backoff, at most 30 s. */
    private Duration longestBackoff() {
        return Duration.ofMillis(Math.min(settings.stepBackoff().toMillis() * 32, MAX_STEP_BACKOFF.toMillis()));
    }

    /** Exponential backoff with jitter from {@code step-backoff}, capped at 30 s. */
    private Duration backoff(int attempt) {
        long base = settings.stepBackoff().toMillis() << Math.min(attempt - 1, 16);
        long cap = Math.min(base, MAX_STEP_BACKOFF.toMillis());
        return Duration.ofMillis(cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1));
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LeaseLost("interrupted");
        }
    }

    /** A step could not do its work; the message says why and never holds a key. */
    static class StepFailed extends RuntimeException {
        StepFailed(String message) {
            super(message);
        }
    }

    /** The rotation waits for a person; the worker lets go of it (the lease stays). */
    static class Parked extends RuntimeException {
        Parked() {
            super("waiting for a person", null, false, false);
        }
    }

    /** A wave failed while the old key still works: roll back automatically. */
    static class RollBackNow extends RuntimeException {
        RollBackNow(String message) {
            super(message, null, false, false);
        }
    }

    /** Someone asked to abort: stop stepping forward and roll back. */
    static class AbortNow extends RuntimeException {
        AbortNow() {
            super("abort requested", null, false, false);
        }
    }

    /** This replica no longer holds the rotation; it stops without touching anything. */
    static class LeaseLost extends RuntimeException {
        LeaseLost(String message) {
            super(message);
        }
    }
}
