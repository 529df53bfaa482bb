package dev.kashierrotator.inventory;

import java.util.Arrays;
import java.util.Optional;

/** The two kinds of Kashier key the service rotates. */
public enum KeyKind {
    /** Signs order hashes and validates callbacks; an account may hold several, so rotation can overlap. */
    PAYMENT_API_KEY("payment-api-key"),
    /** Authenticates REST calls; changing a user's key expires the old one at once. */
    SECRET_KEY("secret-key");

    private final String id;

    KeyKind(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Optional<KeyKind> of(String text) {
        return Arrays.stream(values()).filter(k -> k.id.equals(text)).findFirst();
    }

    @Override
    public String toString() {
        return id;
    }
}
