package dev.kashierrotator.rotation;

/**
 * A step's input is not what it must be (a staged key gone, the wrong key staged): the step cannot
 * succeed. Thrown by lookups deep inside a step; the runner turns it into {@link StepOutcome.Failed}.
 * The message says why and never holds a key.
 */
final class StepFailed extends RuntimeException {

    StepFailed(String message) {
        super(message);
    }
}
