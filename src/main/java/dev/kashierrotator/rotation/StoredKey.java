package dev.kashierrotator.rotation;

import java.time.Instant;
import java.util.Optional;

/**
 * A key as kept in Vault at {@code <mount>/<key-prefix>/<keyId>}.
 *
 * @param value        the key itself: never logged, returned or put in a message ({@link #toString()} hides it)
 * @param kashierKeyId the dashboard's id of a payment API key, when known
 * @param user         the dashboard user a secret key belongs to, when the key alternates between users
 * @param version      the KV v2 version holding it (0 before it is stored)
 */
public record StoredKey(
        String value,
        String fingerprint,
        Optional<String> kashierKeyId,
        Instant rotatedAt,
        long version,
        Optional<String> user) {

    public static StoredKey of(String value, Optional<String> kashierKeyId, Instant rotatedAt) {
        return new StoredKey(value, Fingerprints.of(value), kashierKeyId, rotatedAt, 0, Optional.empty());
    }

    public StoredKey withVersion(long v) {
        return new StoredKey(value, fingerprint, kashierKeyId, rotatedAt, v, user);
    }

    public StoredKey withUser(String u) {
        return new StoredKey(value, fingerprint, kashierKeyId, rotatedAt, version, Optional.ofNullable(u));
    }

    @Override
    public String toString() {
        return "StoredKey[fingerprint=" + fingerprint + ", version=" + version + "]";
    }
}
