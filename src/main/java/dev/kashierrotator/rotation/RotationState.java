package dev.kashierrotator.rotation;

/** Where a rotation stands (docs/api.md). */
public enum RotationState {
    PENDING,
    RUNNING,
    AWAITING_DASHBOARD,
    COMPLETED,
    FAILED,
    ROLLED_BACK,
    ABORTED;

    /** A final rotation never changes again and no longer holds its key. */
    public boolean isFinal() {
        return this == COMPLETED || this == FAILED || this == ROLLED_BACK || this == ABORTED;
    }
}
