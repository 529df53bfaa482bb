package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.KeySpec;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * ROLLOUT: every dependent gets the new key, wave by wave (all at once when the old key is dead or in
 * an emergency), and reports it. Dependents that already confirmed are not called again.
 */
final class RolloutStep implements RotationStep {

    private final StepTools t;

    RolloutStep(StepTools tools) {
        this.t = tools;
    }

    @Override
    public StepName name() {
        return StepName.ROLLOUT;
    }

    @Override
    public StepOutcome run(Rotation r, KeySpec key, Hold hold, boolean again) {
        Instant started = r.step(StepName.ROLLOUT).startedAt();
        if (started != null
                && r.dashboardAnsweredAt() != null
                && r.dashboardAnsweredAt().isAfter(started)) {
            // A person answered while this rollout waited for them: they fixed the dependents it could not reach.
            t.distributor().forgetFailures(r.stragglers());
        }
        Delivery delivery = delivery(r, key, hold);
        try {
            // A single-user secret key's old value is already dead: no time for staging.
            boolean allAtOnce =
                    (!key.isPaymentKey() && (!key.alternates() || r.oldKeyExpiredAt() != null)) || r.emergency();
            Optional<Instant> soak = t.distributor()
                    .distribute(
                            r,
                            delivery,
                            allAtOnce ? key.rollout().allAtOnce() : key.rollout(),
                            allAtOnce,
                            t.progress(r, hold),
                            () -> AbortRules.pending(r, hold));
            if (soak.isPresent()) {
                // Between waves: no worker waits out the soak; the runner runs this step again when it ends.
                long done = r.waves().stream()
                        .filter(w -> w.state() == Rotation.StepState.DONE)
                        .count();
                return new StepOutcome.WaitUntil(
                        soak.get(),
                        done + " of " + r.waves().size() + " wave(s) confirmed fingerprint " + r.newFingerprint()
                                + "; the next wave starts after the soak, at " + soak.get());
            }
        } catch (Distributor.RolloutFailedException e) {
            if (AbortRules.pending(r, hold)) {
                return new StepOutcome.Abort();
            }
            if (t.aborts().refusal(r) == null) {
                // The old key still works: put every dependent back on it rather than leave a split fleet.
                return new StepOutcome.RollBack(e.getMessage());
            }
            // No way back: the old key is dead. Failing would leave these dependents on it with nobody
            // told what to do; wait for a person to fix them, then deliver again.
            List<String> behind = r.stragglers();
            r.blockedBy(behind);
            return new StepOutcome.AwaitsPerson(
                    new Dashboard.NeedsPerson(Instructions.stranded(r, key, behind, r.errorsOf(behind))));
        }
        if (!key.isPaymentKey()) {
            r.measureExposure(t.clock().instant());
        }
        long confirmed = r.confirmed();
        return new StepOutcome.Done(
                confirmed + " dependent(s) in " + r.waves().size() + " wave(s) confirmed fingerprint "
                        + r.newFingerprint()
                        + (r.exposureWindowMs() == null ? "" : "; exposure window " + r.exposureWindowMs() + " ms"));
    }

    /** The new key, from where this kind of rotation keeps it, and for payment keys the old one beside it. */
    private Delivery delivery(Rotation r, KeySpec key, Hold hold) {
        KeyStore keys = t.keys();
        if (key.isPaymentKey() && r.emergency()) {
            // No grace in an emergency: dependents are not handed the old key to keep accepting.
            StoredKey fresh = t.pending(r);
            return Delivery.rotated(r.id(), key, fresh, keys.mount(), keys.pendingPath(key.id()));
        }
        if (key.isPaymentKey()) {
            if (r.graceUntil() == null) {
                r.graceUntil(t.clock().instant().plus(key.grace()));
                t.writer().save(r, hold);
            }
            StoredKey fresh = t.pending(r);
            StoredKey old = keys.version(key.id(), r.oldVersion())
                    .orElseThrow(() -> new StepFailed(
                            "the previous key (version " + r.oldVersion() + ") is no longer readable in Vault"));
            return new Delivery(
                    r.id(),
                    Delivery.ROTATED,
                    key,
                    fresh,
                    Optional.of(old),
                    Optional.of(r.graceUntil()),
                    keys.mount(),
                    keys.pendingPath(key.id()),
                    fresh.version());
        }
        if (key.alternates()) {
            StoredKey fresh = t.pending(r);
            return Delivery.rotated(r.id(), key, fresh, keys.mount(), keys.pendingPath(key.id()));
        }
        StoredKey fresh = keys.current(key.id())
                .filter(k -> k.fingerprint().equals(r.newFingerprint()))
                .orElseThrow(() -> new StepFailed("Vault does not hold the new key " + r.newFingerprint()));
        return Delivery.rotated(r.id(), key, fresh, keys.mount(), keys.path(key.id()));
    }
}
