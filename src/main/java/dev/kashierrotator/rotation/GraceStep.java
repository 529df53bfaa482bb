package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.KeySpec;
import java.time.Instant;
import java.util.Objects;

/**
 * GRACE: the previous payment key stays valid until {@code graceUntil}. The runner lets go of the
 * rotation meanwhile (no thread waits) and runs it again when the grace ends.
 */
final class GraceStep implements RotationStep {

    private final StepTools t;

    GraceStep(StepTools tools) {
        this.t = tools;
    }

    @Override
    public StepName name() {
        return StepName.GRACE;
    }

    @Override
    public StepOutcome run(Rotation r, KeySpec key, Hold hold, boolean again) {
        Instant now = t.clock().instant();
        if (r.oldKeyEnd().graceUntil() != null && now.isBefore(r.oldKeyEnd().graceUntil())) {
            return new StepOutcome.WaitUntil(
                    r.oldKeyEnd().graceUntil(),
                    "previous key "
                            + Objects.requireNonNullElse(
                                    r.oldKey().kashierKeyId(), r.oldKey().fingerprint())
                            + " stays valid until "
                            + r.oldKeyEnd().graceUntil());
        }
        return new StepOutcome.Done("grace ended at " + r.oldKeyEnd().graceUntil());
    }
}
