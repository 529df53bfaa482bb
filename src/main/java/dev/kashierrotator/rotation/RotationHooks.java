package dev.kashierrotator.rotation;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Points in a rotation where tests inject crashes (the crash matrix). Production uses this no-op
 * bean; a test may replace it with an alternative that throws an {@link Error} to stop a rotation
 * dead, exactly as a killed process would, leaving only what is already in Vault.
 */
@DefaultBean
@ApplicationScoped
public class RotationHooks {

    /** A step is recorded as RUNNING and has done nothing yet. */
    public void beforeStep(Rotation rotation, String step) {}

    /** A step has done its work, which is not yet recorded as DONE: the harshest place to stop. */
    public void afterStep(Rotation rotation, String step) {}

    /** A step is about to be recorded as RUNNING (after the previous step was recorded DONE). */
    public void beforeStepRecorded(Rotation rotation, String step) {}

    /** A rollout is about to record its progress in Vault (tests make that write fail). */
    public void beforeProgressSave(Rotation rotation) {}

    /** In the middle of a rollout, after a dependent's outcome was recorded. */
    public void duringRollout(Rotation rotation) {}
}
