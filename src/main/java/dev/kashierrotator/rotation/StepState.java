package dev.kashierrotator.rotation;

/** State of a step or wave. */
public enum StepState {
    PENDING,
    RUNNING,
    DONE,
    FAILED,
    SKIPPED
}
