package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.KeySpec;
import java.time.Instant;
import java.util.Optional;

/**
 * What a rotation hands to its dependents.
 *
 * @param event        {@code key.rotated} or {@code key.rolled_back}
 * @param newKey       the key dependents must switch to (value never logged)
 * @param previousKey  the key being replaced, sent along while a payment key's grace runs
 * @param graceUntil   until when the previous payment key stays valid, if it does
 * @param vaultPath    where the new key can be read by reference (under {@code vaultMount})
 * @param vaultVersion the version at that path
 */
public record Delivery(
        String rotationId,
        String event,
        KeySpec key,
        StoredKey newKey,
        Optional<StoredKey> previousKey,
        Optional<Instant> graceUntil,
        String vaultMount,
        String vaultPath,
        long vaultVersion) {

    public static final String ROTATED = "key.rotated";
    public static final String ROLLED_BACK = "key.rolled_back";

    /** The new key to switch to, with no previous key alongside (no grace). */
    public static Delivery rotated(String rotationId, KeySpec key, StoredKey newKey, String mount, String path) {
        return new Delivery(
                rotationId, ROTATED, key, newKey, Optional.empty(), Optional.empty(), mount, path, newKey.version());
    }

    /** The same delivery with another event (for rollbacks: the old key as the one to use). */
    public static Delivery rollback(String rotationId, KeySpec key, StoredKey oldKey, String mount, String path) {
        return new Delivery(
                rotationId,
                ROLLED_BACK,
                key,
                oldKey,
                Optional.empty(),
                Optional.empty(),
                mount,
                path,
                oldKey.version());
    }

    @Override
    public String toString() {
        return "Delivery[" + event + ", rotation " + rotationId + ", key " + key.id() + ", fingerprint "
                + newKey.fingerprint() + "]";
    }
}
