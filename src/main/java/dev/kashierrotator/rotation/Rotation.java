package dev.kashierrotator.rotation;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.kashierrotator.inventory.RolloutPolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The record of one rotation, as persisted in Vault and returned by the API (docs/api.md shape plus a
 * few fields of our own). It holds fingerprints and dashboard ids, never a key value. Only the
 * engine ({@link RotationEngine} and its parts) changes it, and every change is written with check-and-set.
 */
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

    public String id;
    public String keyId;
    /** {@code scheduled}, {@code manual} or {@code emergency}. */
    public String trigger;

    public String requestedBy;
    public String reason;
    public RotationState state;
    public String oldFingerprint;
    public String newFingerprint;
    public List<Step> steps = new ArrayList<>();
    public List<Wave> waves = new ArrayList<>();
    public Instant createdAt;
    public Instant updatedAt;
    public String error;

    public String mid;
    public String mode;
    public String kind;
    /** Vault version of the key this rotation replaces. */
    public long oldVersion;
    /** Vault version of the new key once promoted. */
    public Long newVersion;

    public String oldKashierKeyId;
    public String newKashierKeyId;
    /** When the old key stopped working on Kashier's side. */
    public Instant oldKeyExpiredAt;
    /** Until when the previous payment key stays valid. */
    public Instant graceUntil;
    /** Secret keys: milliseconds from the old key's death to the last dependent confirming the new one. */
    public Long exposureWindowMs;
    /** Alternating users: the dashboard user of the key being replaced, and of the new key. */
    public String fromUser;

    public String toUser;
    /** Emergency: all waves at once, no soak, no grace. */
    public boolean emergency;
    /** Emergency order: {@code push-first} (distribute, then expire) or {@code revoke-first} (expire, then distribute). */
    public String order;
    /** Milliseconds from the request to the old key being expired on Kashier's side. */
    public Long triggerToOldKeyExpiredMs;
    /** Since when the rotation waits for a person to answer a dashboard step. */
    public Instant awaitingDashboardSince;
    /** Steps a person confirmed as done in the dashboard (for steps that take no key). */
    public List<String> confirmedSteps = new ArrayList<>();
    /**
     * Dependents known to hold only the old key when the rotation needs them on the new one (before the
     * old key may expire, or after a single-user secret key's change): the rotation waits for a person to
     * fix them and answer, then delivers to them again.
     */
    public List<String> blockedBy = new ArrayList<>();
    /** Who answered the last dashboard step, and when. */
    public String dashboardAnsweredBy;

    public Instant dashboardAnsweredAt;
    /** Who asked to abort, and when; the replica running the rotation then rolls it back. */
    public String abortRequestedBy;

    public Instant abortRequestedAt;
    public String abortReason;
    /** Why an abort that was asked for could no longer be honoured (the old key had died meanwhile). */
    public String abortRefusal;

    /** The replica running the rotation. */
    public String owner;
    /** Epoch of the claim under which {@link #owner} runs it; grows with every takeover. */
    public long epoch;

    /**
     * The record's own lock, private so no other class can take it: rollout threads record outcomes and the
     * writer copies the record under it, through the methods below. Not part of the document.
     */
    @JsonIgnore
    private final transient Object lock = new Object();

    /** KV v2 version of this record, for check-and-set; not part of the record itself. */
    @JsonIgnore
    public long storeVersion;

    /**
     * Why a rollback that is under way started (a failed wave); null for an abort, whose request says
     * who and why. Kept so that a rollback cut short is finished with its cause by whoever resumes it.
     */
    public String rollBackCause;

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
            copy.abortRequestedBy = abortRequestedBy;
            copy.abortRequestedAt = abortRequestedAt;
            copy.abortReason = abortReason;
            copy.abortRefusal = abortRefusal;
            copy.owner = owner;
            copy.epoch = epoch;
            copy.storeVersion = storeVersion;
            copy.rollBackCause = rollBackCause;
            return copy;
        }
    }

    public Step step(String name) {
        return steps.stream()
                .filter(s -> s.name.equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("rotation " + id + " has no step " + name));
    }

    public Step step(StepName name) {
        return step(name.name());
    }

    /** The planned steps in order (a rollback step added later is not one of them). */
    List<StepName> plan() {
        return steps.stream()
                .map(s -> StepName.valueOf(s.name))
                .filter(n -> n != StepName.ROLL_BACK)
                .toList();
    }

    /** A rollback started and did not end: whoever runs the rotation next finishes it. */
    boolean rollingBack() {
        return steps.stream().anyMatch(s -> s.name.equals(StepName.ROLL_BACK.name()) && s.state == StepState.RUNNING);
    }

    /**
     * Whether the key dependents held before this rotation is dead on Kashier's side while they may not
     * all have the new one yet: after a single-user secret key's change, or an expiry done before the
     * rollout (revoke-first, or a person who changed the live user's key).
     */
    boolean oldKeyDead() {
        return oldKeyExpiredAt != null && step(StepName.ROLLOUT).state != StepState.DONE;
    }

    /** Dependents that have not confirmed the new key. Locked: a rollout may be changing them. */
    List<String> stragglers() {
        synchronized (lock) {
            return waves.stream()
                    .flatMap(w -> w.dependents.stream())
                    .filter(d -> d.state != DependentState.CONFIRMED)
                    .map(d -> d.id)
                    .toList();
        }
    }

    /** What went wrong with each of these dependents, for a person to read. */
    String errorsOf(List<String> ids) {
        synchronized (lock) {
            return waves.stream()
                    .flatMap(w -> w.dependents.stream())
                    .filter(d -> ids.contains(d.id))
                    .map(d -> d.id + ": " + Objects.requireNonNullElse(d.error, String.valueOf(d.state)))
                    .collect(Collectors.joining("; "));
        }
    }

    // What a rollout records, each under the record's own lock: rollout threads change dependents while
    // the writer copies the record, and nothing outside this class locks it.

    /** Marks these waves started; answers their dependents. */
    public List<DependentOutcome> startWaves(List<Wave> started, Instant now) {
        synchronized (lock) {
            List<DependentOutcome> outcomes = new ArrayList<>();
            for (Wave w : started) {
                w.state = StepState.RUNNING;
                w.startedAt = now;
                outcomes.addAll(w.dependents);
            }
            return outcomes;
        }
    }

    /**
     * Marks these waves ended, each failed or done by the policy's failure threshold.
     *
     * @return what failed, naming the first dependent of the first failed wave, or null
     */
    public String endWaves(List<Wave> ended, RolloutPolicy policy, Instant now) {
        synchronized (lock) {
            String failure = null;
            for (Wave w : ended) {
                List<DependentOutcome> failed = w.dependents.stream()
                        .filter(d -> d.state != DependentState.CONFIRMED)
                        .toList();
                boolean waveFailed = policy.waveFails(w.index, failed.size(), w.dependents.size());
                w.state = waveFailed ? StepState.FAILED : StepState.DONE;
                w.endedAt = now;
                if (waveFailed && failure == null) {
                    DependentOutcome first = failed.get(0);
                    failure = "dependent " + first.id + " (wave " + w.index + ") failed: " + first.error
                            + (failed.size() > 1 ? " (and " + (failed.size() - 1) + " more in that wave)" : "");
                }
            }
            return failure;
        }
    }

    /** When the last of these waves ended, if they have. */
    public Optional<Instant> lastEnd(List<Wave> waves) {
        synchronized (lock) {
            return waves.stream().map(w -> w.endedAt).filter(Objects::nonNull).max(Instant::compareTo);
        }
    }

    /** A wave never started because an earlier one failed. */
    public void skip(Wave wave) {
        synchronized (lock) {
            wave.state = StepState.SKIPPED;
            wave.dependents.forEach(d -> d.state = DependentState.SKIPPED);
        }
    }

    /** A delivery to the dependent starts. */
    public void delivering(DependentOutcome d) {
        synchronized (lock) {
            d.state = DependentState.DELIVERING;
            d.attempts++;
        }
    }

    /** The dependent took the key: a rollback must give it the old one back. */
    public void accepted(DependentOutcome d) {
        synchronized (lock) {
            d.accepted = true;
        }
    }

    /** The dependent took the key and is being asked whether it uses it. */
    public void verifying(DependentOutcome d) {
        synchronized (lock) {
            d.state = DependentState.VERIFYING;
            d.accepted = true;
        }
    }

    /** The state of the dependent's circuit breaker after its last call. */
    public void breaker(DependentOutcome d, String state) {
        synchronized (lock) {
            d.circuitBreaker = state;
        }
    }

    /** The dependent's outcome for this rollout. */
    public void finished(DependentOutcome d, DependentState state, String error, Instant now) {
        synchronized (lock) {
            d.state = state;
            d.error = error;
            if (state == DependentState.CONFIRMED) {
                d.confirmedAt = now;
            }
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
            abortRequestedAt = stored.abortRequestedAt;
            abortRequestedBy = stored.abortRequestedBy;
            abortReason = stored.abortReason;
            storeVersion = stored.storeVersion;
        }
    }

    /** One step of the plan. */
    @JsonPropertyOrder({"name", "state", "startedAt", "endedAt", "detail"})
    public static class Step {
        public String name;
        public StepState state = StepState.PENDING;
        public Instant startedAt;
        public Instant endedAt;
        public String detail;

        public Step() {}

        public Step(String name) {
            this.name = name;
        }

        Step copy() {
            Step copy = new Step(name);
            copy.state = state;
            copy.startedAt = startedAt;
            copy.endedAt = endedAt;
            copy.detail = detail;
            return copy;
        }
    }

    /** One wave of dependents. */
    @JsonPropertyOrder({"index", "state", "startedAt", "endedAt", "dependents"})
    public static class Wave {
        public int index;
        public StepState state = StepState.PENDING;
        public Instant startedAt;
        public Instant endedAt;
        public List<DependentOutcome> dependents = new ArrayList<>();

        public Wave() {}

        public Wave(int index) {
            this.index = index;
        }

        Wave copy() {
            Wave copy = new Wave(index);
            copy.state = state;
            copy.startedAt = startedAt;
            copy.endedAt = endedAt;
            copy.dependents = new ArrayList<>(
                    dependents.stream().map(DependentOutcome::copy).toList());
            return copy;
        }
    }

    /** What happened to one dependent. */
    @JsonPropertyOrder({"id", "type", "state", "attempts", "accepted", "circuitBreaker", "error", "confirmedAt"})
    public static class DependentOutcome {
        public String id;
        public String type;
        public DependentState state = DependentState.PENDING;
        public int attempts;
        /** The dependent took the new key (a 2xx or a write): a rollback must give it the old one back. */
        public boolean accepted;
        /** State of this dependent's circuit breaker after its last call: CLOSED, OPEN or HALF_OPEN. */
        public String circuitBreaker;

        public String error;
        public Instant confirmedAt;

        public DependentOutcome() {}

        public DependentOutcome(String id, String type) {
            this.id = id;
            this.type = type;
        }

        DependentOutcome copy() {
            DependentOutcome copy = new DependentOutcome(id, type);
            copy.state = state;
            copy.attempts = attempts;
            copy.accepted = accepted;
            copy.circuitBreaker = circuitBreaker;
            copy.error = error;
            copy.confirmedAt = confirmedAt;
            return copy;
        }
    }

    /** State of a step or wave. */
    public enum StepState {
        PENDING,
        RUNNING,
        DONE,
        FAILED,
        SKIPPED
    }

    /** State of one dependent in a rollout. */
    public enum DependentState {
        PENDING,
        DELIVERING,
        VERIFYING,
        CONFIRMED,
        FAILED,
        SKIPPED,
        /** Given the old key back by a rollback, and reports it again. */
        ROLLED_BACK,
        /** A rollback could not give it the old key back: it needs a person. */
        ROLLBACK_FAILED
    }
}
