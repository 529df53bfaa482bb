package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.KeySpec;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * CHANGE_SECRET_KEY: a user's secret key is changed on the dashboard (the standby user's, when keys
 * alternate) and the new value kept pending in Vault. For a single user this kills the old key.
 */
final class ChangeSecretKeyStep implements RotationStep {

    private final StepTools t;

    ChangeSecretKeyStep(StepTools tools) {
        this.t = tools;
    }

    @Override
    public StepName name() {
        return StepName.CHANGE_SECRET_KEY;
    }

    @Override
    public StepOutcome run(Rotation r, KeySpec key, Hold hold, boolean again) {
        Optional<StoredKey> kept = t.keys().pending(key.id(), r.id());
        if (kept.isPresent()) {
            return new StepOutcome.Done(alreadyChanged(r, key, kept.get()));
        }
        t.leases().fence(hold);
        KeyKindRules kind = KeyKindRules.of(key);
        String user = kind.user(key, r);
        if (!t.dashboard().automated()) {
            // An answer recorded but never kept (a crash between the two) is asked for again.
            r.forgetUnkeptAnswer();
        }
        IssuedKey issued = kind.newKey(t.dashboard(), key, r);
        Instant changedAt = t.clock().instant();
        StoredKey fresh =
                StoredKey.of(issued.value(), Optional.empty(), changedAt).withUser(kind.takesTurns() ? user : null);
        t.keys().stagePending(key.id(), r.id(), fresh, "issued");
        r.newKey(fresh.fingerprint(), null);
        if (!kind.changeKillsOldKey()) {
            return new StepOutcome.Done("changed the secret key of standby user '" + user + "' on the " + key.mode()
                    + " dashboard of " + key.mid() + " (new fingerprint " + r.newFingerprint() + "); the key of user '"
                    + r.fromUser() + "' that dependents use keeps working");
        }
        // If a crash lost an earlier change, the key died then; the exposure started at the first change.
        r.oldKeyDied(changedAt);
        return new StepOutcome.Done("changed the secret key of user '" + user + "' on the " + key.mode()
                + " dashboard of " + key.mid() + " (new fingerprint " + r.newFingerprint()
                + "); the old key stopped working at " + r.oldKeyEnd().expiredAt());
    }

    private String alreadyChanged(Rotation r, KeySpec key, StoredKey kept) {
        r.newKey(kept.fingerprint(), null);
        KeyKindRules kind = KeyKindRules.of(key);
        if (kind.changeKillsOldKey()) {
            // The pending key was stamped when the dashboard changed it: that is when the old key died.
            r.oldKeyDied(kept.rotatedAt());
        }
        String by =
                t.dashboard().automated() ? "" : ", sent by " + r.personWait().answeredBy();
        if (kind.takesTurns() && Objects.equals(r.fromUser(), r.toUser())) {
            return "the key of '" + r.fromUser() + "' that dependents used was changed instead of the standby's "
                    + "(fingerprint " + r.newFingerprint() + by + "): it died at "
                    + r.oldKeyEnd().expiredAt() + ", so the "
                    + "new key goes to every dependent at once";
        }
        if (kind.takesTurns()) {
            return "the secret key of standby user '" + r.toUser() + "' was changed (fingerprint " + r.newFingerprint()
                    + by + ") and is kept; the key of '" + r.fromUser() + "' that dependents use keeps working";
        }
        return "the secret key was changed (fingerprint " + r.newFingerprint() + by + "); the old key stopped "
                + "working at " + r.oldKeyEnd().expiredAt();
    }
}
