package dev.kashierrotator.vault;

import java.util.Map;

/**
 * One version of a KV v2 secret.
 *
 * @param data    the string fields; may hold key material, so never logged
 * @param version KV v2 version number
 */
public record Versioned(Map<String, String> data, long version) {

    @Override
    public String toString() {
        return "Versioned[version=" + version + ", fields=" + data.keySet() + "]";
    }
}
