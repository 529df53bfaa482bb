package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.KeySpec;
import java.util.Optional;

/**
 * Whether Kashier still accepts the secret key a rotation replaces: the "already done?" of killing it, asked
 * by the expiry step (so a crash after the change does not change the user's key twice) and by the abort
 * rules (so an abort is honoured only while nothing irreversible happened).
 */
final class OldSecretKey {

    private OldSecretKey() {}

    /** Kashier's answer; empty when it cannot be had (the old version is not readable, Kashier is down). */
    static Optional<Boolean> accepted(Rotation r, KeySpec key, KeyStore keys, KashierApi kashier) {
        try {
            return keys.version(key.id(), r.oldKey().version())
                    .map(old -> kashier.acceptsSecretKey(key.mode(), old.value()));
        } catch (PassingFailure e) {
            return Optional.empty();
        }
    }
}
