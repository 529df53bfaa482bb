package dev.kashierrotator.rotation;

/**
 * A check-and-set write lost: someone else wrote the same thing since it was read. Expected under
 * concurrency; what it means depends on what was written (a record, a claim, a key).
 */
public abstract class StaleWriteException extends RuntimeException {

    protected StaleWriteException(String message) {
        super(message);
    }
}
