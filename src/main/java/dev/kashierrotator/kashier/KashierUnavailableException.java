package dev.kashierrotator.kashier;

/** Kashier (or the simulator standing in for it) did not answer as expected. Never carries a key. */
public class KashierUnavailableException extends RuntimeException {

    public KashierUnavailableException(String message) {
        super(message);
    }
}
