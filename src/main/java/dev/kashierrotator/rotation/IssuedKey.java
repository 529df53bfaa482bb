package dev.kashierrotator.rotation;

import java.util.Optional;

/**
 * A key just issued on the Kashier dashboard side.
 *
 * @param value        the key: never logged or returned
 * @param kashierKeyId the dashboard's id for a payment API key
 */
public record IssuedKey(String value, Optional<String> kashierKeyId) {

    @Override
    public String toString() {
        return "IssuedKey[fingerprint=" + Fingerprints.of(value) + ", kashierKeyId=" + kashierKeyId.orElse("-") + "]";
    }
}
