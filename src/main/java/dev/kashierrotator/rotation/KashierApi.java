package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.Mode;

/** Kashier's REST API as seen by a secret key. */
public interface KashierApi {

    /** Whether Kashier accepts the secret key in that mode (anything but 401). */
    boolean acceptsSecretKey(Mode mode, String secretKey);
}
