package dev.kashierrotator.rotation;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.kashierrotator.inventory.KeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * The record of one rotation, as persisted in Vault and returned by the API (docs/api.md shape plus a
 * few fields of our own). It holds fingerprints and dashboard ids, never a key value.
 *
 * <p>It is made of value parts, each a home for its own rules: the {@link Request} as asked, the old and the
 * new {@link KeyRef}, how the old key ends ({@link OldKeyEnd}), the wait for a person ({@link PersonWait}), an
 * {@link AbortRequest}, the {@link Lease}; and of the steps and the {@link WaveList}, which change in place.
 * Its state is private: the engine's parts change it through the methods below, each named for what
 * happened (a key was issued, a person answered, an abort was asked for). Every change is written with
 * check-and-set by {@link RecordWriter}. Jackson reads and writes the fields directly, the value parts flat
 * (the Vault document, schema {@code 2}, unchanged by them: RecordSchemaTest); the API answers with
 * {@code api.RotationView}.
 */
@Document
@JsonPropertyOrder({"id", "keyId", "trigger", "requestedBy", "reason", "state", "oldFingerprint", "newFingerprint"})
public class Rotation {

    private String id;

    @JsonUnwrapped
    private Request request;

    private RotationState state;

    @JsonUnwrapped(prefix = "old")
    private KeyRef oldKey = KeyRef.NONE;

    @JsonUnwrapped(prefix = "new")
    private KeyRef newKey = KeyRef.NONE;

    private List<Step> steps = new ArrayList<>();
    private WaveList waves = new WaveList();
    private Instant createdAt;
    private Instant updatedAt;
    private String error;

    @JsonUnwrapped
    private OldKeyEnd oldKeyEnd = OldKeyEnd.NONE;
    /** Alternating keys: the user whose key dependents held, and the one whose key they get. */
    private String fromUser;

    private String toUser;

    @JsonUnwrapped
    private PersonWait wait = PersonWait.NONE;

    @JsonUnwrapped
    private AbortRequest abort = AbortRequest.NONE;

    @JsonUnwrapped
    private Lease lease = Lease.NONE;

    /**
     * The record's own lock, private so no other class can take it: the writer copies the record under it
     * while the lease keeper and the engine change it. The waves have their own. Not part of the document.
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

    /** The rotation as asked for: its key, trigger, reason, and emergency order. */
    public Request request() {
        return request;
    }

    /** The key's id (the request's, the most read). */
    public String keyId() {
        return request.keyId();
    }

    public RotationState state() {
        return state;
    }

    /** The key dependents held before this rotation. */
    public KeyRef oldKey() {
        return oldKey;
    }

    /** The key this rotation issues (its fingerprint once issued or answered). */
    public KeyRef newKey() {
        return newKey;
    }

    /** Shorthand for {@code newKey().fingerprint()}. */
    public String newFingerprint() {
        return newKey.fingerprint();
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

    /** The grace, death and exposure of the old key. */
    public OldKeyEnd oldKeyEnd() {
        return oldKeyEnd;
    }

    public String fromUser() {
        return fromUser;
    }

    public String toUser() {
        return toUser;
    }

    /** The wait for a person at the dashboard. */
    public PersonWait personWait() {
        return wait;
    }

    /** Who asked to abort, when and why, and why it could not be honoured. */
    public AbortRequest abort() {
        return abort;
    }

    /** The replica running the rotation, and under which epoch. */
    public Lease lease() {
        return lease;
    }

    public long storeVersion() {
        return storeVersion;
    }

    public String rollBackCause() {
        return rollBackCause;
    }

    public List<Step> steps() {
        return Collections.unmodifiableList(steps);
    }

    /** The waves in order, each dependent's outcome read as it is now. */
    public List<Wave> waves() {
        return waves.all();
    }

    /** The waves, for the engine's parts that record and read outcomes under their lock. */
    WaveList outcomes() {
        return waves;
    }

    /**
     * A deep copy, taken under the record's lock: the writer serialises the copy, so rollout threads are
     * held up only for the copy, not for the serialisation of a thousand dependents. The value parts are
     * shared, the rest copied (RotationSnapshotTest checks it against the JSON of a record with every field
     * set).
     */
    public Rotation snapshot() {
        synchronized (lock) {
            Rotation copy = new Rotation();
            copy.id = id;
            copy.request = request;
            copy.state = state;
            copy.oldKey = oldKey;
            copy.newKey = newKey;
            copy.steps = new ArrayList<>(steps.stream().map(Step::copy).toList());
            copy.waves = waves.copy();
            copy.createdAt = createdAt;
            copy.updatedAt = updatedAt;
            copy.error = error;
            copy.oldKeyEnd = oldKeyEnd;
            copy.fromUser = fromUser;
            copy.toUser = toUser;
            copy.wait = wait;
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
        return oldKeyEnd.expiredAt() != null && step(StepName.ROLLOUT).state() != StepState.DONE;
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
            String id, KeySpec key, StoredKey current, RotationRequest asked, Collection<Wave> waves, Instant now) {
        Rotation r = new Rotation();
        r.id = id;
        r.request = new Request(key, asked);
        r.state = RotationState.PENDING;
        r.oldKey = new KeyRef(
                current.fingerprint(), current.version(), current.kashierKeyId().orElse(null));
        r.createdAt = now;
        r.updatedAt = now;
        if (KeyKindRules.of(key).takesTurns()) {
            r.fromUser = current.user().orElse(null);
            r.toUser = key.nextUser(current.user());
        }
        Plans.of(key, r.request.emergency(), r.request.order()).forEach(s -> r.steps.add(new Step(s)));
        r.waves = new WaveList(waves);
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
     * Taken up again after waiting for a person ({@link PersonWait#resumed}).
     *
     * @return whether it was waiting
     */
    boolean resumeFromDashboard() {
        if (state != RotationState.AWAITING_DASHBOARD) {
            return false;
        }
        state = RotationState.RUNNING;
        wait = wait.resumed();
        return true;
    }

    /** A step waits for a person in the Kashier dashboard (since the first such wait not yet answered). */
    void awaitPerson(Step step, String instructions, Instant now) {
        step.note(instructions);
        state = RotationState.AWAITING_DASHBOARD;
        wait = wait.waiting(now);
    }

    /** The new key as issued or changed on the dashboard side (a payment key has a Kashier id too). */
    void newKey(String fingerprint, String kashierKeyId) {
        newKey = newKey.issued(fingerprint, kashierKeyId);
    }

    /** A person's answer recorded but never kept (a crash between the two): the key is asked for again. */
    void forgetUnkeptAnswer() {
        newKey = newKey.withFingerprint(null);
    }

    /** The old key stopped working on Kashier's side ({@link OldKeyEnd#died}: the first time counts). */
    void oldKeyDied(Instant at) {
        oldKeyEnd = oldKeyEnd.died(at, createdAt);
    }

    /**
     * An alternating key whose live user's key was changed instead of the standby's: the new key is that
     * user's, and the key dependents hold died now.
     */
    void liveUserChanged(Instant now) {
        toUser = fromUser;
        oldKeyEnd = oldKeyEnd.diedNow(now);
    }

    /** The new key is the current version in Vault. */
    void promoted(long version) {
        newKey = newKey.promoted(version);
    }

    /** Until when the previous payment key stays valid; set once, when the rollout first needs it. */
    void graceUntil(Instant until) {
        oldKeyEnd = oldKeyEnd.graceUntil(until);
    }

    /**
     * Secret keys: how long dependents were exposed, from the old key's death to the last dependent
     * confirming the new key (or now, if none did). Nothing for a key that has not died.
     */
    void measureExposure(Instant now) {
        oldKeyEnd = oldKeyEnd.exposedUntil(waves.lastConfirmed().orElse(now));
    }

    /** These dependents hold only the old key: the rotation waits for a person to fix them. */
    void blockedBy(List<String> dependents) {
        wait = wait.blockedBy(dependents);
    }

    /**
     * A person answered the step waiting for them: with the new key's fingerprint for a step that takes a
     * key, otherwise that the blocked dependents are fixed, or that the step is done in the dashboard.
     */
    void answered(StepName step, String fingerprint, String by, Instant at) {
        if (step.takesNewKey()) {
            newKey = newKey.withFingerprint(fingerprint);
        }
        wait = wait.answered(step, by, at);
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
                .forEach(s -> s.abandon(wait.since() != null && s.name().takesNewKey(), now));
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
