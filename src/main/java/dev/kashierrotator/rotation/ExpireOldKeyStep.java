package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.KeySpec;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * EXPIRE_OLD_KEY: the old key is killed on the dashboard (a payment key deleted; for alternating users,
 * the previous user's key changed). Never while a dependent is known to hold only that key.
 */
final class ExpireOldKeyStep implements RotationStep {

    private final StepTools t;

    ExpireOldKeyStep(StepTools tools) {
        this.t = tools;
    }

    @Override
    public StepName name() {
        return StepName.EXPIRE_OLD_KEY;
    }

    @Override
    public StepOutcome run(Rotation r, KeySpec key, Hold hold, boolean again) {
        Optional<StepOutcome> held = holdForStragglers(r, key, hold);
        if (held.isPresent()) {
            return held.get();
        }
        Dashboard dashboard = t.dashboard();
        // A person's answer is this step's "done": it is not asked again.
        boolean done =
                !dashboard.automated() && r.personWait().confirmedSteps().contains(StepName.EXPIRE_OLD_KEY.name());
        t.leases().fence(hold);
        KeyKindRules kind = KeyKindRules.of(key);
        if (kind.takesTurns()) {
            if (Objects.equals(r.fromUser(), r.toUser())) {
                // The person changed the live user's key at CHANGE_SECRET_KEY: the old key died then, and
                // changing that user's key again would kill the new one.
                return new StepOutcome.Done("the key of user '" + r.fromUser() + "' died when it was changed at "
                        + "CHANGE_SECRET_KEY; not changed again");
            }
            if (!done && oldKeyStillWorks(r, key)) {
                kind.expireOldKey(dashboard, key, r);
            }
            expired(r);
            return new StepOutcome.Done(
                    "changed the key of user '" + r.fromUser() + "' on the dashboard: the old key " + "is dead");
        }
        if (!done) {
            kind.expireOldKey(dashboard, key, r);
        }
        expired(r);
        return new StepOutcome.Done(
                (dashboard.automated() ? "deleted" : r.personWait().answeredBy() + " deleted")
                        + " the previous payment key (fingerprint " + r.oldKey().fingerprint() + ") in the "
                        + key.mode()
                        + " dashboard");
    }

    /**
     * This step's "already done?" for a secret key: whether Kashier still accepts the key being killed. A
     * crash after the change and before the record knew would otherwise change the user's key once more.
     * If Kashier cannot say, the change is made (or asked for) as if it had not been.
     */
    private boolean oldKeyStillWorks(Rotation r, KeySpec key) {
        return OldSecretKey.accepted(r, key, t.keys(), t.kashier()).orElse(true);
    }

    private void expired(Rotation r) {
        r.oldKeyDied(t.clock().instant());
    }

    /**
     * The old key must not expire while a dependent is known to hold only it (a failure tolerated by
     * {@code failure-threshold}, say): deliver to every dependent that has not confirmed the new key once
     * more, all at once, and if any still has not, wait for a person instead of expiring. Not for
     * revoke-first, whose expiry comes before the rollout on purpose.
     */
    private Optional<StepOutcome> holdForStragglers(Rotation r, KeySpec key, Hold hold) {
        if (r.step(StepName.ROLLOUT).state() != StepState.DONE) {
            return Optional.empty();
        }
        List<String> before = r.outcomes().stragglers();
        if (before.isEmpty()) {
            return Optional.empty();
        }
        t.distributor().forgetFailures(before);
        StoredKey current = t.keys()
                .current(key.id())
                .filter(k -> k.fingerprint().equals(r.newFingerprint()))
                .orElseThrow(() -> new StepFailed("Vault does not serve the new key " + r.newFingerprint()));
        Delivery delivery = Delivery.rotated(
                r.id(), key, current, t.keys().mount(), t.keys().path(key.id()));
        try {
            t.waves()
                    .run(
                            r,
                            delivery,
                            key.rollout().allAtOnce(),
                            true,
                            t.progress(r, hold),
                            () -> AbortRules.pending(r, hold));
        } catch (Waves.RolloutFailedException e) {
            // Judged below, without the failure threshold.
        }
        List<String> behind = r.outcomes().stragglers();
        if (behind.isEmpty()) {
            return Optional.empty();
        }
        r.blockedBy(behind);
        return Optional.of(new StepOutcome.AwaitsPerson(new Dashboard.NeedsPerson(
                Instructions.stragglers(r, key, behind, r.outcomes().errorsOf(behind)))));
    }
}
