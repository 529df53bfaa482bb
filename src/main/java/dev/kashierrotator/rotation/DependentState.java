package dev.kashierrotator.rotation;

/** State of one dependent in a rollout. */
public enum DependentState {
    PENDING,
    DELIVERING,
    VERIFYING,
    CONFIRMED,
    FAILED,
    SKIPPED,
    /** Given the old key back by a rollback, and reports it again. */
    ROLLED_BACK,
    /** A rollback could not give it the old key back: it needs a person. */
    ROLLBACK_FAILED
}
