package dev.kashierrotator.rotation;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.inventory.RolloutPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The record of one rotation, as persisted in Vault and returned by the API (docs/api.md shape plus a
 * few fields of our own). It holds fingerprints and dashboard ids, never a key value.
 *
 * <p>Its state is private: the engine's parts change it through the methods below, each named for what
 * happened (a key was issued, a person answered, an abort was asked for), and the rules that go with each
 * change live here with it (who may leave the dashboard wait, how long the old key was exposed, which steps a
 * failure skips). Every change is written with check-and-set by {@link RecordWriter}. Jackson reads and writes
 * the fields directly (the Vault document, schema {@code 2}); the API answers with {@code api.RotationView}.
 */
@JsonAutoDetect(
        fieldVisibility = Visibility.ANY,
        getterVisibility = Visibility.NONE,
        isGetterVisibility = Visibility.NONE,
        setterVisibility = Visibility.NONE,
        creatorVisibility = Visibility.NONE)
@JsonPropertyOrder({
    "id",
    "keyId",
    "trigger",
    "requestedBy",
    "reason",
    "state",
    "oldFingerprint",
    "newFingerprint",
    "steps",
    "waves",
    "createdAt",
    "updatedAt",
    "error"
})
public class Rotation {

    private String id;
    private String keyId;
    private Trigger trigger;

    private String requestedBy;
    private String reason;
    private RotationState state;
    private String oldFingerprint;
    private String newFingerprint;
    private List<Step> steps = new ArrayList<>();
    private List<Wave> waves = new ArrayList<>();
    private Instant createdAt;
    private Instant updatedAt;
    private String error;

    private String mid;
    private String mode;
    private String kind;
    /** Vault version of the key this rotation replaces. */
    private long oldVersion;
    /** Vault version of the new key once promoted. */
    private Long newVersion;

    private String oldKashierKeyId;
    private String newKashierKeyId;
    /** When the old key stopped working on Kashier's side. */
    private Instant oldKeyExpiredAt;
    /** Until when the previous payment key stays valid. */
    private Instant graceUntil;
    /** Secret keys: milliseconds from the old key's death to the last dependent confirming the new one. */
    private Long exposureWindowMs;
    /** Alternating users: the dashboard user of the key being replaced, and of the new key. */
    private String fromUser;

    private String toUser;
    /** Emergency: all waves at once, no soak, no grace. */
    private boolean emergency;
    /** Emergency order: {@code push-first} (distribute, then expire) or {@code revoke-first} (expire, then distribute). */
    private EmergencyOrder order;
    /** Milliseconds from the request to the old key being expired on Kashier's side. */
    private Long triggerToOldKeyExpiredMs;
    /** Since when the rotation waits for a person to answer a dashboard step. */
    private Instant awaitingDashboardSince;
    /** Steps a person confirmed as done in the dashboard (for steps that take no key). */
    private List<String> confirmedSteps = new ArrayList<>();
    /**
     * Dependents known to hold only the old key when the rotation needs them on the new one (before the
     * old key may expire, or after a single-user secret key's change): the rotation waits for a person to
     * fix them and answer, then delivers to them again.
     */
    private List<String> blockedBy = new ArrayList<>();
    /** Who answered the last dashboard step, and when. */
    private String dashboardAnsweredBy;

    private Instant dashboardAnsweredAt;
    /** Who asked to abort, and when; the replica running the rotation then rolls it back. Flat in the document. */
    @JsonUnwrapped
    private AbortRequest abort = AbortRequest.NONE;

    /** The replica running the rotation, under which claim's epoch. Flat in the document. */
    @JsonUnwrapped
    private Lease lease = Lease.NONE;

    /**
     * The record's own lock, private so no other class can take it: rollout threads record outcomes and the
     * writer copies the record under it, through the methods below. Not part of the document.
     */
    @JsonIgnore
    private final transient Object lock = new Object();

    /** KV v2 version of this record, for check-and-set; not part of the record itself. */
    @JsonIgnore
    private long storeVersion;

    /**
     * Why a rollback that is under way started (a failed wave); null for an abort, whose request says
     * who and why. Kept so that a rollback cut short is finished with its cause by whoever resumes it.
     */
    private String rollBackCause;

    /** For Jackson, which reads the document into the fields; a new rotation is {@link #planned}. */
    Rotation() {}

    // What the record says; each of these is read by the engine, the API view and the tests.

    public String id() {
        return id;
    }

    public String keyId() {
        return keyId;
    }

    public Trigger trigger() {
        return trigger;
    }

    public String requestedBy() {
        return requestedBy;
    }

    public String reason() {
        return reason;
    }

    public RotationState state() {
        return state;
    }

    public String oldFingerprint() {
        return oldFingerprint;
    }

    public String newFingerprint() {
        return newFingerprint;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public Instant updatedAt() {
        return updatedAt;
    }

    public String error() {
        return error;
    }

    public String mid() {
        return mid;
    }

    public String mode() {
        return mode;
    }

    public String kind() {
        return kind;
    }

    public long oldVersion() {
        return oldVersion;
    }

    public Long newVersion() {
        return newVersion;
    }

    public String oldKashierKeyId() {
        return oldKashierKeyId;
    }

    public String newKashierKeyId() {
        return newKashierKeyId;
    }

    public Instant oldKeyExpiredAt() {
        return oldKeyExpiredAt;
    }

    public Instant graceUntil() {
        return graceUntil;
    }

    public Long exposureWindowMs() {
        return exposureWindowMs;
    }

    public String fromUser() {
        return fromUser;
    }

    public String toUser() {
        return toUser;
    }

    public boolean emergency() {
        return emergency;
    }

    public EmergencyOrder order() {
        return order;
    }

    public Long triggerToOldKeyExpiredMs() {
        return triggerToOldKeyExpiredMs;
    }

    public Instant awaitingDashboardSince() {
        return awaitingDashboardSince;
    }

    public String dashboardAnsweredBy() {
        return dashboardAnsweredBy;
    }

    public Instant dashboardAnsweredAt() {
        return dashboardAnsweredAt;
    }

    /** Whether an abort was asked for, by whom, and whether it was refused. */
    public AbortRequest abort() {
        return abort;
    }

    /** Who runs the rotation, under which epoch. */
    public Lease lease() {
        return lease;
    }

    public long storeVersion() {
        return storeVersion;
    }

    public String rollBackCause() {
        return rollBackCause;
    }

    /** The steps, planned and (once one starts) the rollback; read only. */
    public List<Step> steps() {
        return Collections.unmodifiableList(steps);
    }

    /** The waves of dependents in order; read only (their outcomes change through this record's methods). */
    public List<Wave> waves() {
        return Collections.unmodifiableList(waves);
    }

    /** Steps a person confirmed as done in the dashboard (for steps that take no key). */
    public List<String> confirmedSteps() {
        return Collections.unmodifiableList(confirmedSteps);
    }

    /** Dependents the rotation waits on a person to fix. */
    public List<String> blockedBy() {
        return Collections.unmodifiableList(blockedBy);
    }

    /**
     * A deep copy, taken under the record's lock: the writer serialises the copy, so rollout threads are
     * held up only for the copy, not for the serialisation of a thousand dependents. Every field is copied
     * (RotationSnapshotTest checks it against the JSON of a record with every field set).
     */
    public Rotation snapshot() {
        synchronized (lock) {
            Rotation copy = new Rotation();
            copy.id = id;
            copy.keyId = keyId;
            copy.trigger = trigger;
            copy.requestedBy = requestedBy;
            copy.reason = reason;
            copy.state = state;
            copy.oldFingerprint = oldFingerprint;
            copy.newFingerprint = newFingerprint;
            copy.steps = new ArrayList<>(steps.stream().map(Step::copy).toList());
            copy.waves = new ArrayList<>(waves.stream().map(Wave::copy).toList());
            copy.createdAt = createdAt;
            copy.updatedAt = updatedAt;
            copy.error = error;
            copy.mid = mid;
            copy.mode = mode;
            copy.kind = kind;
            copy.oldVersion = oldVersion;
            copy.newVersion = newVersion;
            copy.oldKashierKeyId = oldKashierKeyId;
            copy.newKashierKeyId = newKashierKeyId;
            copy.oldKeyExpiredAt = oldKeyExpiredAt;
            copy.graceUntil = graceUntil;
            copy.exposureWindowMs = exposureWindowMs;
            copy.fromUser = fromUser;
            copy.toUser = toUser;
            copy.emergency = emergency;
            copy.order = order;
            copy.triggerToOldKeyExpiredMs = triggerToOldKeyExpiredMs;
            copy.awaitingDashboardSince = awaitingDashboardSince;
            copy.confirmedSteps = new ArrayList<>(confirmedSteps);
            copy.blockedBy = new ArrayList<>(blockedBy);
            copy.dashboardAnsweredBy = dashboardAnsweredBy;
            copy.dashboardAnsweredAt = dashboardAnsweredAt;
            copy.abort = abort;
            copy.lease = lease;
            copy.storeVersion = storeVersion;
            copy.rollBackCause = rollBackCause;
            return copy;
        }
    }

    public Step step(StepName name) {
        return steps.stream()
                .filter(s -> s.name() == name)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("rotation " + id + " has no step " + name));
    }

    /** The planned steps in order (a rollback step added later is not one of them). */
    List<StepName> plan() {
        return steps.stream()
                .map(Step::name)
                .filter(n -> n != StepName.ROLL_BACK)
                .toList();
    }

    /** A rollback started and did not end: whoever runs the rotation next finishes it. */
    boolean rollingBack() {
        return steps.stream().anyMatch(s -> s.name() == StepName.ROLL_BACK && s.state() == StepState.RUNNING);
    }

    /**
     * Whether the key dependents held before this rotation is dead on Kashier's side while they may not
     * all have the new one yet: after a single-user secret key's change, or an expiry done before the
     * rollout (revoke-first, or a person who changed the live user's key).
     */
    boolean oldKeyDead() {
        return oldKeyExpiredAt != null && step(StepName.ROLLOUT).state() != StepState.DONE;
    }

    /** Dependents that have not confirmed the new key. Locked: a rollout may be changing them. */
    List<String> stragglers() {
        synchronized (lock) {
            return waves.stream()
                    .flatMap(w -> w.dependents().stream())
                    .filter(d -> d.state() != DependentState.CONFIRMED)
                    .map(DependentOutcome::id)
                    .toList();
        }
    }

    /** What went wrong with each of these dependents, for a person to read. */
    String errorsOf(List<String> ids) {
        synchronized (lock) {
            return waves.stream()
                    .flatMap(w -> w.dependents().stream())
                    .filter(d -> ids.contains(d.id()))
                    .map(d -> d.id() + ": " + Objects.requireNonNullElse(d.error(), String.valueOf(d.state())))
                    .collect(Collectors.joining("; "));
        }
    }

    // What a rollout records, each under the record's own lock: rollout threads change dependents while
    // the writer copies the record, and nothing outside this class locks it.

    /** Marks these waves started; answers their dependents. */
    List<DependentOutcome> startWaves(List<Wave> started, Instant now) {
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
    String endWaves(List<Wave> ended, RolloutPolicy policy, Instant now) {
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
    Optional<Instant> lastEnd(List<Wave> waves) {
        synchronized (lock) {
            return waves.stream().map(Wave::endedAt).filter(Objects::nonNull).max(Instant::compareTo);
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

    /** The check-and-set version of the record just written. */
    public void written(long version) {
        synchronized (lock) {
            storeVersion = version;
        }
    }

    void touch(Instant now) {
        synchronized (lock) {
            updatedAt = now;
        }
    }

    /** Takes on an abort request that was written through the API while this copy was being changed. */
    void takeAbortRequest(Rotation stored) {
        synchronized (lock) {
            abort = abort.requestOf(stored.abort);
            storeVersion = stored.storeVersion;
        }
    }

    // What happens to a rotation, in the order it usually happens. Only the engine's parts call these.

    /**
     * A rotation of this key, from the version it replaces, as asked for, with the key's plan and its
     * dependents in their waves. Alternating keys go from the current key's user to the other.
     */
    static Rotation planned(
            String id, KeySpec key, StoredKey current, RotationRequest request, Collection<Wave> waves, Instant now) {
        Rotation r = new Rotation();
        r.id = id;
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
        if (KeyKindRules.of(key).takesTurns()) {
            r.fromUser = current.user().orElse(null);
            r.toUser = key.nextUser(current.user());
        }
        r.emergency = request.emergency();
        r.order = request.emergency() ? Objects.requireNonNullElse(request.order(), EmergencyOrder.PUSH_FIRST) : null;
        Plans.of(key, r.emergency, r.order).forEach(s -> r.steps.add(new Step(s)));
        r.waves.addAll(waves);
        return r;
    }

    /** This replica holds the claim of this epoch on the rotation. */
    void claimedBy(String replica, long claimEpoch) {
        synchronized (lock) {
            lease = new Lease(replica, claimEpoch);
        }
    }

    /** This replica runs the rotation under the claim of this epoch. */
    void runBy(String replica, long claimEpoch) {
        claimedBy(replica, claimEpoch);
        state = RotationState.RUNNING;
    }

    /** Whether the record names this replica, under this epoch, as the one running it. */
    boolean runsUnder(String replica, long claimEpoch) {
        return lease.heldBy(replica, claimEpoch);
    }

    /**
     * Taken up again after waiting for a person. If the person answered since it parked, the next dashboard
     * step waits from when it parks; otherwise the wait goes on counting from when it began.
     *
     * @return whether it was waiting
     */
    boolean resumeFromDashboard() {
        if (state != RotationState.AWAITING_DASHBOARD) {
            return false;
        }
        state = RotationState.RUNNING;
        if (dashboardAnsweredAt != null
                && awaitingDashboardSince != null
                && !dashboardAnsweredAt.isBefore(awaitingDashboardSince)) {
            awaitingDashboardSince = null;
        }
        return true;
    }

    /** A step waits for a person in the Kashier dashboard (since the first such wait not yet answered). */
    void awaitPerson(Step step, String instructions, Instant now) {
        step.note(instructions);
        state = RotationState.AWAITING_DASHBOARD;
        awaitingDashboardSince = Objects.requireNonNullElse(awaitingDashboardSince, now);
    }

    /** The new key as issued or changed on the dashboard side (a payment key has a Kashier id too). */
    void newKey(String fingerprint, String kashierKeyId) {
        newFingerprint = fingerprint;
        newKashierKeyId = kashierKeyId;
    }

    /** A person's answer recorded but never kept (a crash between the two): the key is asked for again. */
    void forgetUnkeptAnswer() {
        newFingerprint = null;
    }

    /**
     * The old key stopped working on Kashier's side. The first time counts: if a crash lost an earlier
     * change or expiry, the key died then, and the exposure started then.
     */
    void oldKeyDied(Instant at) {
        oldKeyExpiredAt = Objects.requireNonNullElse(oldKeyExpiredAt, at);
        triggerToOldKeyExpiredMs = Duration.between(createdAt, oldKeyExpiredAt).toMillis();
    }

    /**
     * An alternating key whose live user's key was changed instead of the standby's: the new key is that
     * user's, and the key dependents hold died now.
     */
    void liveUserChanged(Instant now) {
        toUser = fromUser;
        oldKeyExpiredAt = now;
    }

    /** The new key is the current version in Vault. */
    void promoted(long version) {
        newVersion = version;
    }

    /** Until when the previous payment key stays valid; set once, when the rollout first needs it. */
    void graceUntil(Instant until) {
        graceUntil = until;
    }

    /**
     * Secret keys: how long dependents were exposed, from the old key's death to the last dependent
     * confirming the new key (or now, if none did). Nothing for a key that has not died.
     */
    void measureExposure(Instant now) {
        if (oldKeyExpiredAt == null) {
            return;
        }
        Instant lastConfirmed;
        synchronized (lock) {
            lastConfirmed = waves.stream()
                    .flatMap(w -> w.dependents().stream())
                    .map(DependentOutcome::confirmedAt)
                    .filter(Objects::nonNull)
                    .max(Instant::compareTo)
                    .orElse(now);
        }
        exposureWindowMs =
                Math.max(0, Duration.between(oldKeyExpiredAt, lastConfirmed).toMillis());
    }

    /** How many dependents confirmed the new key. */
    long confirmed() {
        synchronized (lock) {
            return waves.stream()
                    .flatMap(w -> w.dependents().stream())
                    .filter(d -> d.state() == DependentState.CONFIRMED)
                    .count();
        }
    }

    /** These dependents hold only the old key: the rotation waits for a person to fix them. */
    void blockedBy(List<String> dependents) {
        blockedBy = new ArrayList<>(dependents);
    }

    /**
     * A person answered the step waiting for them: with the new key's fingerprint for a step that takes a
     * key, otherwise that the blocked dependents are fixed, or that the step is done in the dashboard.
     */
    void answered(StepName step, String fingerprint, String by, Instant at) {
        if (step.takesNewKey()) {
            newFingerprint = fingerprint;
        } else if (!blockedBy.isEmpty()) {
            blockedBy = new ArrayList<>();
        } else {
            confirmedSteps.add(step.name());
        }
        dashboardAnsweredBy = by;
        dashboardAnsweredAt = at;
    }

    /** Someone asked, through the API, to abort; the replica running the rotation acts on it. */
    void abortRequested(String by, String why, Instant at) {
        abort = abort.askedBy(by, why, at);
    }

    /** An abort that was asked for can no longer be honoured: the rotation goes on forward. */
    void abortRefused(String why) {
        abort = abort.refused(why);
    }

    /** Every step done. */
    void completed() {
        state = RotationState.COMPLETED;
        error = null;
    }

    /** Failed forward: the steps that never started are skipped. */
    void failed(String why) {
        state = RotationState.FAILED;
        error = why;
        steps.forEach(Step::skipIfPending);
    }

    /**
     * A rollback starts (or resumes): the step that was running failed (its dashboard instructions, if a
     * person was reading them, now say not to do it), the rest are skipped, and a rollback step runs.
     *
     * @param cause why (a failed wave), or null for an abort
     * @return the rollback step
     */
    Step rollBack(String cause, Instant now) {
        steps.stream()
                .filter(s -> s.name() != StepName.ROLL_BACK)
                .forEach(s ->
                        s.abandon(awaitingDashboardSince != null && s.name().takesNewKey(), now));
        Step step = steps.stream()
                .filter(s -> s.name() == StepName.ROLL_BACK)
                .findFirst()
                .orElseGet(() -> {
                    Step added = new Step(StepName.ROLL_BACK);
                    steps.add(added);
                    return added;
                });
        step.resume(now);
        rollBackCause = cause;
        return step;
    }

    /** Why the rollback under way happens, for a person to read. */
    String rollBackReason() {
        return rollBackCause != null
                ? rollBackCause
                : "aborted by " + abort.by() + (abort.reason() == null ? "" : ": " + abort.reason());
    }

    /** Dependents that took the new key (a rollback must give them the old one back). */
    List<String> acceptedNewKey() {
        synchronized (lock) {
            return waves.stream()
                    .flatMap(w -> w.dependents().stream())
                    .filter(DependentOutcome::accepted)
                    .map(DependentOutcome::id)
                    .toList();
        }
    }

    /** Dependents sent the new key whose answer never came back: they may have applied it. */
    List<String> sentWithoutAnswer() {
        synchronized (lock) {
            return waves.stream()
                    .flatMap(w -> w.dependents().stream())
                    .filter(d -> !d.accepted() && d.attempts() > 0)
                    .map(DependentOutcome::id)
                    .toList();
        }
    }

    /** The rollback gave these dependents the old key back, except those it failed for (with why). */
    void restored(List<String> touched, Map<String, String> failures) {
        synchronized (lock) {
            waves.stream()
                    .flatMap(w -> w.dependents().stream())
                    .filter(d -> touched.contains(d.id()))
                    .forEach(d -> d.restored(failures.get(d.id())));
        }
    }

    /** The rollback ended, in this state, with what it did in its step. */
    void rolledBack(Step step, RotationState outcome, boolean complete, String detail, String why, Instant now) {
        if (complete) {
            step.done(detail, now);
        } else {
            step.failed(detail, now);
        }
        state = outcome;
        error = why;
    }
}
