package dev.kashierrotator.rotation;

/** This replica no longer holds the rotation; it stops without touching anything. */
final class LeaseLost extends RuntimeException {

    LeaseLost(String message) {
        super(message);
    }
}
