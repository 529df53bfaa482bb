package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.rotation.RotationException.Refusal;
import io.quarkus.logging.Log;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * A person's answers to dashboard steps. A key step's answer is checked for shape, for being new, and
 * (secret keys) against Kashier's API before it is taken; a retried answer with the same key is taken
 * once; of two racing answers, the record's check-and-set lets one through.
 */
final class DashboardAnswers {

    private final Inventory inventory;
    private final KeyStore keys;
    private final RotationStore rotations;
    private final KashierApi kashier;
    private final Clock clock;
    private final RotationRunner runner;

    DashboardAnswers(StepTools tools, RotationRunner runner) {
        this.inventory = tools.inventory();
        this.keys = tools.keys();
        this.rotations = tools.rotations();
        this.kashier = tools.kashier();
        this.clock = tools.clock();
        this.runner = runner;
    }

    Rotation confirm(String id, String newKey, String answeredBy) {
        Rotation r = rotations
                .get(id)
                .orElseThrow(() ->
                        new RotationException(Refusal.UNKNOWN, "Unknown rotation", "no rotation '" + id + "'", null));
        if (newKey != null && !newKey.isBlank() && !r.state().isFinal()) {
            // The same key again (a retried request, a double click): it was taken once; answer alike.
            String fingerprint = Fingerprints.of(newKey.strip());
            if (fingerprint.equals(r.newFingerprint())
                    && keys.pending(r.keyId(), r.id())
                            .filter(k -> k.fingerprint().equals(fingerprint))
                            .isPresent()) {
                return r;
            }
            boolean keyStepWaits = r.state() == RotationState.AWAITING_DASHBOARD
                    && r.steps().stream()
                            .anyMatch(s ->
                                    s.state() == StepState.RUNNING && s.name().takesNewKey());
            if (r.newFingerprint() != null
                    && !fingerprint.equals(r.newFingerprint())
                    && (keyStepWaits || r.state() != RotationState.AWAITING_DASHBOARD)) {
                throw new RotationException(
                        Refusal.CONFLICT,
                        "Already answered",
                        "rotation " + id + " already took the key of "
                                + "fingerprint " + r.newFingerprint() + " (answered by "
                                + r.personWait().answeredBy()
                                + "), and "
                                + "that is the one rolled out; if you made a second key in the dashboard, delete that one "
                                + "(fingerprint " + fingerprint + ")",
                        id);
            }
        }
        if (r.state() != RotationState.AWAITING_DASHBOARD) {
            throw new RotationException(
                    Refusal.CONFLICT,
                    "Nothing to confirm",
                    "rotation " + id + " is " + r.state() + ", not waiting for a dashboard step",
                    id);
        }
        KeySpec key = inventory.key(r.keyId()).orElseThrow();
        Step step = r.steps().stream()
                .filter(s -> s.state() == StepState.RUNNING)
                .findFirst()
                .orElseThrow();
        StepName name = step.name();
        if (name.takesNewKey() && (newKey == null || newKey.isBlank())) {
            throw RotationException.invalid(
                    Refusal.INVALID, "newKey", "required: step " + name + " waits for the new key", id);
        }
        if (!name.takesNewKey() && newKey != null) {
            throw RotationException.invalid(Refusal.INVALID, "newKey", "step " + name + " takes no key; send {}", id);
        }
        Instant now = clock.instant();
        StoredKey staged = null;
        if (name.takesNewKey()) {
            staged = checked(r, key, newKey.strip(), now);
        }
        // A step that takes no key: the person fixed the dependents that held only the old key (they are
        // delivered to again), or did what the step asked.
        r.answered(name, staged == null ? null : staged.fingerprint(), answeredBy, now);
        try {
            // The record first, with check-and-set: of two racing answers only one gets past here, and only
            // that one stages its key.
            rotations.update(r);
        } catch (StaleWriteException e) {
            throw new RotationException(
                    Refusal.CONFLICT,
                    "Rotation busy",
                    "rotation " + id + " changed meanwhile (another "
                            + "answer, or the rotation moving on); look at it again before answering",
                    id);
        }
        if (staged != null) {
            keys.stagePending(key.id(), r.id(), staged, "issued");
        }
        Log.infof("rotation %s key %s: step %s answered by %s", id, r.keyId(), name, answeredBy);
        runner.wakeIfIdle(id);
        return r;
    }

    /** The key a person sent, once it passed every check; the record notes whose key it turned out to be. */
    private StoredKey checked(Rotation r, KeySpec key, String value, Instant now) {
        String id = r.id();
        KeyKindRules kind = KeyKindRules.of(key);
        // Exactly Kashier's shape, which the log mask shares: a key taken here never slips past the mask.
        if (!value.matches(key.kind().shape())) {
            throw RotationException.invalid(
                    Refusal.INVALID,
                    "newKey",
                    "does not look like a Kashier " + key.kind().looksLike() + ": check that it was copied whole",
                    id);
        }
        String fingerprint = Fingerprints.of(value);
        if (fingerprint.equals(r.oldKey().fingerprint())) {
            throw RotationException.invalid(
                    Refusal.UNPROCESSABLE, "newKey", "is the key being replaced, not a new one", id);
        }
        for (long v = r.oldKey().version() - 1; v >= Math.max(1, r.oldKey().version() - 4); v--) {
            // Most likely the standby user's key, still valid but never changed: that rotates nothing.
            long version = v;
            if (keys.version(key.id(), v)
                    .filter(k -> k.fingerprint().equals(fingerprint))
                    .isPresent()) {
                throw RotationException.invalid(
                        Refusal.UNPROCESSABLE,
                        "newKey",
                        "is an earlier key of " + key.id() + " (Vault version "
                                + version + "), not a new one: "
                                + (kind.issues()
                                        ? "create a new payment API key in the dashboard and send that"
                                        : "change it in the dashboard first and send the new value"),
                        id);
            }
        }
        if (!kind.issues() && !kashier.acceptsSecretKey(key.mode(), value)) {
            throw RotationException.invalid(
                    Refusal.UNPROCESSABLE,
                    "newKey",
                    "Kashier's " + key.mode() + " API rejects it (HTTP 401): "
                            + "check the mode and that it was copied whole",
                    id);
        }
        String user = null;
        if (kind.takesTurns()) {
            user = r.toUser();
            if (liveKeyDied(key, r)) {
                // The person changed the key dependents use (the wrong user, or someone else did): the new key
                // is that user's, the standby's old key still works, and every dependent holds a dead key.
                // Nothing to stage any more: rush it to all of them at once.
                user = r.fromUser();
                r.liveUserChanged(now);
                Log.warnf(
                        "rotation %s key %s: the key of user '%s' that dependents use no longer works; the new "
                                + "key is taken as the key of '%s' and rolled out to all waves at once",
                        id, r.keyId(), r.fromUser(), r.fromUser());
            }
        }
        return StoredKey.of(value, Optional.empty(), now).withUser(user);
    }

    /** Whether Kashier now rejects the key an alternating rotation started from (the live one). */
    private boolean liveKeyDied(KeySpec key, Rotation r) {
        Optional<StoredKey> live = keys.version(key.id(), r.oldKey().version());
        try {
            return live.isPresent()
                    && !kashier.acceptsSecretKey(key.mode(), live.get().value());
        } catch (PassingFailure e) {
            // Kashier just accepted the new key; if it cannot answer now, assume the usual case.
            return false;
        }
    }
}
