package dev.kashierrotator.rotation;

import java.util.Optional;

/**
 * Where keys live. The current key is the latest version of the key's path and the previous key the
 * version before it; a key that is issued but not yet promoted waits under the pending label, where
 * readers of the key path cannot see it.
 */
public interface KeyStore {

    Optional<StoredKey> current(String keyId);

    Optional<StoredKey> version(String keyId, long version);

    /**
     * Makes {@code key} the current key if the current version is still {@code expectedVersion}.
     *
     * @return the key as stored, with its version
     */
    StoredKey promote(String keyId, StoredKey key, long expectedVersion);

    /**
     * Keeps a key issued by a rotation that is not yet current, so that a crash cannot lose it.
     *
     * @param label where the key stands, such as {@code issued} or {@code verified}
     * @return the version of the pending entry
     */
    long stagePending(String keyId, String rotationId, StoredKey key, String label);

    /** The pending key of a rotation, if it is still staged; its version is that of the pending entry. */
    Optional<StoredKey> pending(String keyId, String rotationId);

    /** Removes a pending key once it is promoted or abandoned. */
    void clearPending(String keyId);

    /** Where the current key lives, for messages and webhook references ({@code <path>}, under the mount). */
    String path(String keyId);

    String mount();

    /** Where a pending key waits (under the mount). */
    String pendingPath(String keyId);
}
