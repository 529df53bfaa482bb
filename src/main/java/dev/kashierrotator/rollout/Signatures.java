package dev.kashierrotator.rollout;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** {@code X-Rotator-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>} (docs/webhook-protocol.md). */
public final class Signatures {

    private Signatures() {}

    public static String header(String secret, String timestamp, byte[] body) {
        return "t=" + timestamp + ",v1=" + hmac(secret, timestamp, body);
    }

    /**
     * How far a signature's {@code t} may be from the receiver's clock. Outside it a delivery is refused,
     * so one captured (from a log, a proxy) cannot be replayed later; within it, receivers deduplicate on
     * {@code X-Rotator-Delivery}.
     */
    public static final Duration TOLERANCE = Duration.ofMinutes(5);

    /**
     * Whether a signature header is valid for this body at {@code now} (the receiver's clock): right digest,
     * fresh timestamp; constant-time on the digest.
     */
    public static boolean verify(String secret, String header, byte[] body, Instant now) {
        if (header == null) {
            return false;
        }
        String t = null;
        String v1 = null;
        for (String part : header.split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length == 2 && kv[0].equals("t")) {
                t = kv[1];
            } else if (kv.length == 2 && kv[0].equals("v1")) {
                v1 = kv[1];
            }
        }
        if (t == null || v1 == null) {
            return false;
        }
        long signedAt;
        try {
            signedAt = Long.parseLong(t);
        } catch (NumberFormatException e) {
            return false;
        }
        if (Math.abs(now.getEpochSecond() - signedAt) > TOLERANCE.toSeconds()) {
            return false;
        }
        return MessageDigest.isEqual(
                hmac(secret, t, body).getBytes(StandardCharsets.US_ASCII), v1.getBytes(StandardCharsets.US_ASCII));
    }

    /** One Mac per thread, initialised anew for each secret: looking the algorithm up is most of a small MAC's cost. */
    private static final ThreadLocal<Mac> MAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    });

    static String hmac(String secret, String timestamp, byte[] body) {
        try {
            Mac mac = MAC.get();
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }
}
