package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.KeySpec;

/**
 * One step of a rotation. Each opens with its own "already done?" check and takes its inputs from
 * Vault (the record, the pending key, the current key), never from memory, so running it again after a
 * crash or a retry does nothing twice.
 */
interface RotationStep {

    StepName name();

    /**
     * Does the step's work, or finds it done.
     *
     * @param again the step ran before (resumed or retried) and may have done part of its work
     */
    StepOutcome run(Rotation r, KeySpec key, Hold hold, boolean again);
}
