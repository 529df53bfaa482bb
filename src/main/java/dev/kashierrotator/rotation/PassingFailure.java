package dev.kashierrotator.rotation;

/**
 * Something a rotation depends on (Vault, Kashier) did not answer as it should, this time: the step may be
 * retried. Adapters throw their own kinds of it; the engine knows only this. Never carries a key.
 */
public abstract class PassingFailure extends RuntimeException {

    protected PassingFailure(String message) {
        super(message);
    }

    protected PassingFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
