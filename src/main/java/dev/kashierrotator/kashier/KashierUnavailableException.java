package dev.kashierrotator.kashier;

import dev.kashierrotator.rotation.PassingFailure;

/** Kashier (or the simulator standing in for it) did not answer as expected. Never carries a key. */
public class KashierUnavailableException extends PassingFailure {

    public KashierUnavailableException(String message) {
        super(message);
    }
}
