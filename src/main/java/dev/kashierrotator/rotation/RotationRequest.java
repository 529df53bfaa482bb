package dev.kashierrotator.rotation;

import java.util.OptionalLong;

/**
 * Who asks for a rotation and why.
 *
 * @param emergency       all waves at once, no soak, no grace for the previous payment key
 * @param order           emergency only (null otherwise)
 * @param expectedVersion start only if the key's current Vault version is still this one (the scheduler
 *                        passes the version it judged due, so a key another replica just rotated is
 *                        not rotated again)
 */
public record RotationRequest(
        String reason,
        Trigger trigger,
        String requestedBy,
        OptionalLong expectedVersion,
        boolean emergency,
        EmergencyOrder order) {

    public RotationRequest(String reason, Trigger trigger, String requestedBy) {
        this(reason, trigger, requestedBy, OptionalLong.empty(), false, null);
    }

    public RotationRequest(String reason, Trigger trigger, String requestedBy, OptionalLong expectedVersion) {
        this(reason, trigger, requestedBy, expectedVersion, false, null);
    }

    /** An emergency rotation: all waves at once, no soak, no grace; push-first unless {@code order} says. */
    public static RotationRequest emergency(String reason, String requestedBy, EmergencyOrder order) {
        return new RotationRequest(
                reason,
                Trigger.EMERGENCY,
                requestedBy,
                OptionalLong.empty(),
                true,
                order == null ? EmergencyOrder.PUSH_FIRST : order);
    }
}
