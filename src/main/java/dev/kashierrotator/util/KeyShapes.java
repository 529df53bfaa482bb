package dev.kashierrotator.util;

/**
 * Exactly the shapes of Kashier's keys, as regular expressions: the one place they are written. A key kind
 * checks what a person sends against its shape ({@code inventory.KeyKind#shape}), and the log mask hides
 * anything of either shape, so a key the service takes can never slip past the mask.
 */
public final class KeyShapes {

    /** A payment API key: a UUID (8-4-4-4-12 hex). */
    public static final String PAYMENT_API_KEY =
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

    /** A secret key: 32 hex, {@code $}, 96 hex. */
    public static final String SECRET_KEY = "[0-9a-fA-F]{32}\\$[0-9a-fA-F]{96}";

    private KeyShapes() {}
}
