package dev.kashierrotator.rotation;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Fingerprint of a key (docs/webhook-protocol.md): the first 16 lowercase hex characters of SHA-256 over its UTF-8 bytes. */
public final class Fingerprints {

    private Fingerprints() {}

    /**
     * What a dependent reported, to repeat in a message: itself when it has a fingerprint's shape, else
     * {@code otherwise}, since anything else it sent could be a key.
     */
    public static String shown(String reported, String otherwise) {
        return reported != null && reported.matches("[0-9a-f]{16}") ? reported : otherwise;
    }

    public static String of(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
