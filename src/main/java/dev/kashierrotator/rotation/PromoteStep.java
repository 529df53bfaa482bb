package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.KeySpec;

/** PROMOTE and STORE_NEW_KEY: Vault serves the new key at the key path; the previous version keeps the old one. */
final class PromoteStep implements RotationStep {

    private final StepTools t;
    private final StepName name;

    PromoteStep(StepTools tools, StepName name) {
        this.t = tools;
        this.name = name;
    }

    @Override
    public StepName name() {
        return name;
    }

    @Override
    public StepOutcome run(Rotation r, KeySpec key, Hold hold, boolean again) {
        StoredKey current = t.keys().current(key.id()).orElseThrow(() -> new StepFailed("the key vanished from Vault"));
        if (current.fingerprint().equals(r.newFingerprint())) {
            r.promoted(current.version());
        } else {
            t.leases().fence(hold);
            StoredKey stored =
                    t.keys().promote(key.id(), t.pending(r), r.oldKey().version());
            r.promoted(stored.version());
        }
        t.keys().clearPending(key.id());
        return new StepOutcome.Done(t.keys().mount() + "/" + t.keys().path(key.id()) + " is now version "
                + r.newKey().version()
                + (KeyKindRules.of(key).issues()
                        ? " (new key); version " + r.oldKey().version() + " keeps the previous key"
                        : ""));
    }
}
