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
                && r.personWait().answeredAt() != null
                && r.personWait().answeredAt().isAfter(started)) {
            // A person answered while this rollout waited for them: they fixed the dependents it could not reach.
            t.distributor().forgetFailures(r.outcomes().stragglers());
        }
        KeyKindRules kind = KeyKindRules.of(key);
        Delivery delivery = kind.payload(r, key, t, hold);
        try {
            boolean allAtOnce = kind.allAtOnce(r);
            Optional<Instant> soak = t.waves()
                    .run(
                            r,
                            delivery,
                            allAtOnce ? key.rollout().allAtOnce() : key.rollout(),
                            allAtOnce,
                            t.progress(r, hold),
                            () -> AbortRules.pending(r, hold));
            if (soak.isPresent()) {
                // Between waves: no worker waits out the soak; the runner runs this step again when it ends.
                long done = r.waves().stream()
                        .filter(w -> w.state() == StepState.DONE)
                        .count();
                return new StepOutcome.WaitUntil(
                        soak.get(),
                        done + " of " + r.waves().size() + " wave(s) confirmed fingerprint " + r.newFingerprint()
                                + "; the next wave starts after the soak, at " + soak.get());
            }
        } catch (Waves.RolloutFailedException e) {
            if (AbortRules.pending(r, hold)) {
                return new StepOutcome.Abort();
            }
            if (t.aborts().refusal(r) == null) {
                // The old key still works: put every dependent back on it rather than leave a split fleet.
                return new StepOutcome.RollBack(e.getMessage());
            }
            // No way back: the old key is dead. Failing would leave these dependents on it with nobody
            // told what to do; wait for a person to fix them, then deliver again.
            List<String> behind = r.outcomes().stragglers();
            r.blockedBy(behind);
            return new StepOutcome.AwaitsPerson(new Dashboard.NeedsPerson(
                    Instructions.stranded(r, key, behind, r.outcomes().errorsOf(behind))));
        }
        if (!kind.issues()) {
            r.measureExposure(t.clock().instant());
        }
        long confirmed = r.outcomes().confirmed();
        return new StepOutcome.Done(
                confirmed + " dependent(s) in " + r.waves().size() + " wave(s) confirmed fingerprint "
                        + r.newFingerprint()
                        + (r.oldKeyEnd().exposureWindowMs() == null
                                ? ""
                                : "; exposure window " + r.oldKeyEnd().exposureWindowMs() + " ms"));
    }
}
