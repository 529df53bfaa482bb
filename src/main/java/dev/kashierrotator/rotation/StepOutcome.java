package dev.kashierrotator.rotation;

import java.time.Instant;

/**
 * What one run of a step came to. Steps return it instead of throwing for control flow; the
 * {@link RotationRunner} applies it (records the step, schedules the next run, rolls back).
 */
sealed interface StepOutcome {

    /** The step's work is done; {@code detail} says what was done, for the record. */
    record Done(String detail) implements StepOutcome {}

    /** Nothing to do before {@code until} (a grace period): run the step again then. */
    record WaitUntil(Instant until, String detail) implements StepOutcome {}

    /** A person has to act: the rotation parks until they answer. */
    record AwaitsPerson(Dashboard.NeedsPerson request) implements StepOutcome {}

    /** A passing failure (Vault, Kashier or a dependent did not answer): try again after a backoff. */
    record Retry(String cause) implements StepOutcome {}

    /** The step cannot succeed; the rotation fails with this reason (never a key value). */
    record Failed(String reason) implements StepOutcome {}

    /** A wave failed while the old key still works: put everything back on it. */
    record RollBack(String cause) implements StepOutcome {}

    /** Someone asked to abort while the step was under way. */
    record Abort() implements StepOutcome {}
}
