package dev.kashierrotator.rotation;

import dev.kashierrotator.config.KashierDashboard;
import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.inventory.DependentSpec;
import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.inventory.RolloutPolicy;
import dev.kashierrotator.rotation.RotationException.Refusal;
import dev.kashierrotator.rotation.RotationStore.Claimed;
import dev.kashierrotator.rotation.RotationStore.Held;
import dev.kashierrotator.util.Durations;
import dev.kashierrotator.util.Threads;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * The rotation engine as the rest of the service sees it: start, resume, answer, abort, look. The
 * order of the steps is the whole game: Kashier expires a key the moment it is changed, so a payment key
 * is issued, verified, staged, rolled out to every dependent and promoted before the old one is expired
 * (after its grace); a secret key, whose old value dies at the change, is stored and rolled out to all
 * waves at once and the exposure window is recorded.
 *
 * <p>The parts behind it: {@link Plans} (which steps), one {@link RotationStep} class per step, the
 * {@link RotationRunner} that applies their {@link StepOutcome}s, {@link Rollback}, the {@link LeaseKeeper}
 * (leases and fencing, on its own thread), the {@link RecordWriter} (fenced check-and-set writes),
 * {@link AbortRules} and {@link DashboardAnswers}. Every step takes its inputs from Vault, never from
 * memory, so a rotation stopped anywhere resumes where it stood: on this replica after a restart, or on
 * another once the lease on its key expires.
 */
@ApplicationScoped
public class RotationEngine {

    /** The shape of a rotation id (what {@link #plan} makes, with room for older ones). */
    private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("rot-[0-9A-Za-z-]{1,64}");

    /**
     * Whether the text has a rotation id's shape: an id from outside (a URL, a {@code Last-Event-ID}) is
     * checked before it becomes part of a Vault path.
     */
    public static boolean isRotationId(String text) {
        return text != null && ID.matcher(text).matches();
    }

    private static final DateTimeFormatter ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    /** Ids are not secrets, but nothing is gained by letting anyone predict the next one. */
    private static final SecureRandom ID_RANDOM = new SecureRandom();
    /** The most rotation records one listing reads. */
    static final int READ_BUDGET = 1_000;

    private final Inventory inventory;
    private final KeyStore keys;
    private final RotationStore rotations;
    private final String dashboardMode;
    private final Duration manualStepTimeout;
    private final String instanceId;
    private final Clock clock;
    private final LeaseKeeper leases;
    private final AbortRules aborts;
    private final RotationRunner runner;
    private final DashboardAnswers answers;

    public RotationEngine(
            Inventory inventory,
            KeyStore keys,
            RotationStore rotations,
            Dashboard dashboard,
            KashierApi kashier,
            Distributor distributor,
            RotationHooks hooks,
            EngineMetrics metrics,
            Announcements announcements,
            RotatorConfig config,
            Clock clock,
            Threads threads) {
        this.inventory = inventory;
        this.keys = keys;
        this.rotations = rotations;
        this.clock = clock;
        this.dashboardMode =
                config.kashier().dashboard().value().map(KashierDashboard::id).orElse("manual");
        this.manualStepTimeout = config.kashier().manualStepTimeout();
        RotatorConfig.Engine settings = config.engine();
        this.instanceId = settings.instanceId()
                .orElse("replica-" + UUID.randomUUID().toString().substring(0, 8));
        this.leases = new LeaseKeeper(rotations, settings.leaseTtl(), clock, metrics, threads);
        this.aborts = new AbortRules(inventory, keys, dashboard, kashier);
        StepTools tools = new StepTools(
                inventory,
                keys,
                rotations,
                dashboard,
                kashier,
                distributor,
                hooks,
                clock,
                new RecordWriter(rotations, hooks, clock, instanceId),
                leases,
                aborts,
                new Waves(distributor, clock));
        this.runner = new RotationRunner(tools, settings, instanceId, metrics, announcements, threads);
        this.answers = new DashboardAnswers(tools, runner);
        leases.start(runner);
    }

    void shutdown(@Observes ShutdownEvent event) {
        leases.shutdown();
        runner.shutdown();
    }

    /** This replica's name in claims and records. */
    public String instanceId() {
        return instanceId;
    }

    /** What a rotation of the key would do, without doing any of it. */
    public RotationPlan plan(String keyId, boolean emergency, EmergencyOrder order) {
        KeySpec key = inventory.key(keyId).orElseThrow(() -> RotationException.unknownKey(keyId));
        RolloutPolicy policy = key.rollout();
        KeyKindRules kind = KeyKindRules.of(key);
        Map<Integer, List<RotationPlan.PlannedDependent>> waves = new TreeMap<>();
        for (DependentSpec d : inventory.dependentsOf(keyId)) {
            waves.computeIfAbsent(d.wave(), w -> new ArrayList<>())
                    .add(new RotationPlan.PlannedDependent(d.id(), d.type().id()));
        }
        return new RotationPlan(
                keyId,
                key.mid(),
                key.mode().id(),
                key.kind().id(),
                dashboardMode,
                Plans.of(key, emergency, order).stream().map(StepName::name).toList(),
                waves.entrySet().stream()
                        .map(e -> new RotationPlan.PlannedWave(e.getKey(), e.getValue()))
                        .toList(),
                kind.plannedAllAtOnce(emergency),
                Durations.format(kind.plannedAllAtOnce(emergency) ? Duration.ZERO : policy.soak()),
                policy.maxConcurrency(),
                Durations.format(policy.verifyTimeout()),
                kind.grace(key, emergency).map(Durations::format).orElse(null),
                keys.current(keyId).map(StoredKey::fingerprint).orElse(null));
    }

    /**
     * Claims the key, records a new rotation and starts it in the background.
     *
     * @return the rotation as first recorded ({@code PENDING})
     */
    public Rotation start(String keyId, RotationRequest request) {
        KeySpec key = inventory.key(keyId).orElseThrow(() -> RotationException.unknownKey(keyId));
        StoredKey current = keys.current(keyId)
                .orElseThrow(() -> new RotationException(
                        Refusal.CONFLICT,
                        "No current key",
                        "key '" + keyId + "' has no current value in Vault at " + keys.mount() + "/" + keys.path(keyId)
                                + "; write the first key there before rotating",
                        null));
        if (KeyKindRules.of(key).takesTurns()
                && current.user().filter(key.users()::contains).isEmpty()) {
            // Without it the standby user would be a guess, and a wrong guess has a person change the key
            // every dependent uses.
            throw new RotationException(
                    Refusal.CONFLICT,
                    "Key has no user",
                    "key '" + keyId + "' alternates between users "
                            + key.users() + ", but its current value in Vault at " + keys.mount() + "/"
                            + keys.path(keyId)
                            + " does not say whose it is ("
                            + current.user()
                                    .map(u -> "user '" + u + "' is not one of them")
                                    .orElse("no 'user' field") + "); add it: bao kv patch " + keys.mount() + "/"
                            + keys.path(keyId)
                            + " user=<" + String.join("|", key.users()) + ">",
                    null);
        }
        Rotation rotation = newRotation(key, current, request);
        RotationStore.ClaimResult result = rotations.claim(keyId, rotation.id(), instanceId, leases.ttl());
        if (result instanceof Held held) {
            throw RotationException.running(keyId, held.rotationId());
        }
        Claim claim = ((Claimed) result).claim();
        if (request.expectedVersion().isPresent()) {
            // Checked under the claim: the version can only change inside another claimed rotation.
            long now = keys.current(keyId).map(StoredKey::version).orElse(-1L);
            if (now != request.expectedVersion().getAsLong()) {
                rotations.release(claim);
                throw new RotationException(
                        Refusal.CONFLICT,
                        "Already rotated",
                        "key '" + keyId + "' is at version " + now + " now, not "
                                + request.expectedVersion().getAsLong() + ": it was rotated meanwhile",
                        null);
            }
        }
        rotation.claimedBy(instanceId, claim.epoch());
        try {
            rotations.create(rotation);
        } catch (RuntimeException e) {
            rotations.release(claim);
            throw e;
        }
        Log.infof(
                "rotation %s of key %s (%s, %s) requested by %s: %s",
                rotation.id(),
                keyId,
                key.kind(),
                key.mode(),
                request.requestedBy(),
                rotation.request().trigger());
        leases.add(rotation.id(), new Hold(claim));
        runner.submit(rotation.id());
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
        return (keyId == null ? rotations.ids() : rotations.idsOf(keyId))
                .stream()
                        .limit(READ_BUDGET)
                        .map(rotations::get)
                        .flatMap(Optional::stream)
                        .filter(visible)
                        .filter(r -> keyId == null || keyId.equals(r.keyId()))
                        .filter(r -> state == null || state == r.state())
                        .limit(limit)
                        .toList();
    }

    /** The unfinished rotation holding the key, if any. */
    public Optional<String> running(String keyId) {
        return rotations
                .holder(keyId)
                .filter(id -> rotations.get(id).map(r -> !r.state().isFinal()).orElse(false));
    }

    /**
     * Picks up every unfinished rotation that no live replica runs: this replica's own after a restart,
     * and any whose lease expired. Called at start-up and periodically.
     *
     * @return how many rotations were resumed
     */
    public int resumeUnfinished() {
        int resumed = 0;
        Instant now = clock.instant();
        for (Claim claim : rotations.claims()) {
            if (leases.holds(claim.rotationId())) {
                continue;
            }
            Optional<Rotation> record = rotations.get(claim.rotationId());
            if (record.isEmpty()
                    || record.get().state().isFinal()
                    || inventory.key(claim.keyId()).isEmpty()) {
                continue;
            }
            Optional<Claim> ours = claim.owner().equals(instanceId)
                    ? rotations.renew(claim, leases.ttl())
                    : claim.expired(now) ? rotations.takeOver(claim, instanceId, leases.ttl()) : Optional.empty();
            if (ours.isEmpty() || !leases.add(claim.rotationId(), new Hold(ours.get()))) {
                continue;
            }
            Log.infof(
                    "resuming rotation %s of key %s (previous owner %s, epoch %d)",
                    claim.rotationId(), claim.keyId(), claim.owner(), ours.get().epoch());
            runner.submit(claim.rotationId());
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
        return answers.confirm(id, newKey, answeredBy);
    }

    /** Rotations this replica keeps retrying because giving up would strand dependents, with why. */
    public Map<String, String> retryingWithoutLimit() {
        return runner.retrying();
    }

    /** Rotations this replica holds that wait for a person. */
    public List<Awaiting> awaitingDashboard() {
        return runner.awaiting();
    }

    /** Those waiting longer than {@code rotator.kashier.manual-step-timeout}. */
    public List<Awaiting> overdueSteps() {
        Instant limit = clock.instant().minus(manualStepTimeout);
        return runner.awaiting().stream().filter(a -> a.since().isBefore(limit)).toList();
    }

    /**
     * Asks for a rotation to be aborted and rolled back. Allowed while the old key still works:
     * before a payment key's old key is expired, and before a secret key is changed.
     *
     * @return the record with the request
     */
    public Rotation abort(String id, String requestedBy, String reason) {
        for (int attempt = 0; attempt < 5; attempt++) {
            Rotation r = rotations
                    .get(id)
                    .orElseThrow(() -> new RotationException(
                            Refusal.UNKNOWN, "Unknown rotation", "no rotation '" + id + "'", null));
            if (r.state().isFinal()) {
                throw new RotationException(
                        Refusal.CONFLICT,
                        "Rotation finished",
                        "rotation " + id + " is already " + r.state() + "; nothing to abort",
                        id);
            }
            if (r.abort().refusal() != null) {
                throw new RotationException(
                        Refusal.CONFLICT, "Too late to abort", r.abort().refusal(), id);
            }
            if (r.abort().at() != null) {
                return r;
            }
            String refusal = aborts.refusal(r);
            if (refusal != null) {
                throw new RotationException(Refusal.CONFLICT, "Too late to abort", refusal, id);
            }
            r.abortRequested(requestedBy, reason, clock.instant());
            try {
                rotations.update(r);
            } catch (StaleWriteException e) {
                continue;
            }
            Log.infof("rotation %s of key %s: abort requested by %s", id, r.keyId(), requestedBy);
            runner.wakeIfIdle(id);
            return r;
        }
        throw new RotationException(
                Refusal.CONFLICT, "Rotation busy", "rotation " + id + " kept changing; try again", id);
    }

    private Rotation newRotation(KeySpec key, StoredKey current, RotationRequest request) {
        Instant now = clock.instant();
        byte[] random = new byte[3];
        ID_RANDOM.nextBytes(random);
        Map<Integer, Wave> waves = new TreeMap<>();
        for (DependentSpec d : inventory.dependentsOf(key.id())) {
            waves.computeIfAbsent(d.wave(), Wave::new)
                    .with(new DependentOutcome(d.id(), d.type().id()));
        }
        return Rotation.planned(
                "rot-" + ID_TIME.format(now) + "-" + HexFormat.of().formatHex(random),
                key,
                current,
                request,
                waves.values(),
                now);
    }
}
