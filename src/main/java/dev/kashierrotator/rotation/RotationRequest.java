package dev.kashierrotator.rotation;

import java.util.OptionalLong;

/**
 * Who asks for a rotation and why.
 *
 * @param trigger         {@code manual}, {@code scheduled} or {@code emergency}
 * @param emergency       all waves at once, no soak, no grace for the previous payment key
 * @param order           emergency only: {@code push-first} or {@code revoke-first}
 * @param expectedVersion start only if the key's current Vault version is still this one (the scheduler
 *                        passes the version it judged due, so a key another replica just rotated is
 *                        not rotated again)
 */
public record RotationRequest(
        String reason,
        String trigger,
        String requestedBy,
        OptionalLong expectedVersion,
        boolean emergency,
        String order) {

    public static final String PUSH_FIRST = "push-first";
    public static final String REVOKE_FIRST = "revoke-first";

    public RotationRequest(String reason, String trigger, String requestedBy) {
        this(reason, trigger, requestedBy, OptionalLong.empty(), false, null);
    }

    public RotationRequest(String reason, String trigger, String requestedBy, OptionalLong expectedVersion) {
        this(reason, trigger, requestedBy, expectedVersion, false, null);
    }

    /** An emergency rotation: all waves at once, no soak, no grace; {@code order} push-first or revoke-first. */
    public static RotationRequest emergency(String reason, String requestedBy, String order) {
        return new RotationRequest(reason, "emergency", requestedBy, OptionalLong.empty(), true, order);
    }
}
