package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.KeySpec;

/** STAGE_PENDING: the verified key is kept beside the current one, where readers of the key path do not see it. */
final class StagePendingStep implements RotationStep {

    private final StepTools t;

    StagePendingStep(StepTools tools) {
        this.t = tools;
    }

    @Override
    public StepName name() {
        return StepName.STAGE_PENDING;
    }

    @Override
    public StepOutcome run(Rotation r, KeySpec key, Hold hold, boolean again) {
        // Staging the same value again is a no-op for readers: done or not, the write below is the check.
        StoredKey pending = t.pending(r);
        long version = t.keys().stagePending(key.id(), r.id(), pending, "verified");
        return new StepOutcome.Done(
                "verified key staged at " + t.keys().mount() + "/" + t.keys().pendingPath(key.id())
                        + " (version " + version + "); readers of " + t.keys().mount() + "/"
                        + t.keys().path(key.id())
                        + " still get the old key");
    }
}
