package dev.kashierrotator.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One entry of the audit trail: who did what to which key, from where, and how it ended. Each event
 * carries the hash of the one before it, so removing or altering any event breaks the chain.
 *
 * @param action   {@code rotation.create}, {@code rotation.emergency}, {@code rotation.confirm},
 *                 {@code rotation.abort}, or the call that was denied ({@code GET /api/v1/keys/{keyId}})
 * @param outcome  {@code accepted}, {@code rejected} (a 4xx answer), {@code denied} (401/403), {@code failed} (5xx)
 * @param prevHash hash of the previous event ({@link #GENESIS} for the first)
 * @param hash     SHA-256 over every other field, see {@link #computeHash()}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditEvent(
        long seq,
        String time,
        String actor,
        String action,
        String keyId,
        String rotationId,
        String outcome,
        int status,
        String sourceIp,
        String detail,
        String prevHash,
        String hash) {

    /** The previous hash of the first event. */
    public static final String GENESIS = "0".repeat(64);

    /** The same event placed in the chain: its sequence number, its predecessor's hash and its own hash. */
    public AuditEvent chained(long seq, String prevHash) {
        AuditEvent e = new AuditEvent(
                seq, time, actor, action, keyId, rotationId, outcome, status, sourceIp, detail, prevHash, null);
        return new AuditEvent(
                seq,
                time,
                actor,
                action,
                keyId,
                rotationId,
                outcome,
                status,
                sourceIp,
                detail,
                prevHash,
                e.computeHash());
    }

    /**
     * SHA-256 of the fields in a fixed order, each length-prefixed so that no two different events can
     * be written as the same text.
     */
    public String computeHash() {
        StringBuilder s = new StringBuilder();
        for (Object f :
                new Object[] {seq, time, actor, action, keyId, rotationId, outcome, status, sourceIp, detail, prevHash
                }) {
            String v = f == null ? "" : f.toString();
            s.append(f == null ? -1 : v.length()).append(':').append(v).append('\n');
        }
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256")
                            .digest(s.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The event as stored in Vault (every value a string; absent fields left out). */
    Map<String, String> toData() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("seq", Long.toString(seq));
        put(d, "time", time);
        put(d, "actor", actor);
        put(d, "action", action);
        put(d, "keyId", keyId);
        put(d, "rotationId", rotationId);
        put(d, "outcome", outcome);
        d.put("status", Integer.toString(status));
        put(d, "sourceIp", sourceIp);
        put(d, "detail", detail);
        put(d, "prevHash", prevHash);
        put(d, "hash", hash);
        return d;
    }

    static AuditEvent fromData(Map<String, String> d) {
        return new AuditEvent(
                parseLong(d.get("seq")),
                d.get("time"),
                d.get("actor"),
                d.get("action"),
                d.get("keyId"),
                d.get("rotationId"),
                d.get("outcome"),
                (int) parseLong(d.get("status")),
                d.get("sourceIp"),
                d.get("detail"),
                d.get("prevHash"),
                d.get("hash"));
    }

    private static long parseLong(String s) {
        try {
            return s == null ? -1 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void put(Map<String, String> d, String k, String v) {
        if (v != null) {
            d.put(k, v);
        }
    }
}
