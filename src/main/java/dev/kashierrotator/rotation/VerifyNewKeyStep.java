package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.KeySpec;

/** VERIFY_NEW_KEY: Kashier accepts the new key (secret keys), or the dashboard lists it (payment keys). */
final class VerifyNewKeyStep implements RotationStep {

    private final StepTools t;

    VerifyNewKeyStep(StepTools tools) {
        this.t = tools;
    }

    @Override
    public StepName name() {
        return StepName.VERIFY_NEW_KEY;
    }

    @Override
    public StepOutcome run(Rotation r, KeySpec key, Hold hold, boolean again) {
        // Nothing is changed here, so there is nothing to find done: asking again is the check.
        boolean issued = KeyKindRules.of(key).issues();
        if (issued && !t.dashboard().automated()) {
            return new StepOutcome.Done(
                    "entered by " + r.personWait().answeredBy() + " and format-checked; Kashier offers "
                            + "no API to list payment keys, so the rollout's dependents are what proves it");
        }
        if (issued) {
            boolean listed = t.dashboard().paymentKeys(key).stream()
                    .anyMatch(k -> k.active()
                            && k.id().equals(r.newKey().kashierKeyId())
                            && k.fingerprint().equals(r.newFingerprint()));
            return listed
                    ? new StepOutcome.Done("the " + key.mode() + " dashboard lists "
                            + r.newKey().kashierKeyId() + " as active")
                    : new StepOutcome.Failed("the dashboard does not list payment key "
                            + r.newKey().kashierKeyId() + " as active with fingerprint " + r.newFingerprint());
        }
        if (!t.kashier().acceptsSecretKey(key.mode(), t.pending(r).value())) {
            return new StepOutcome.Failed("Kashier's " + key.mode() + " API rejects the new secret key (HTTP 401)");
        }
        return new StepOutcome.Done("Kashier's " + key.mode() + " API accepts the new key");
    }
}
