package dev.kashierrotator.rotation;

import java.util.OptionalLong;

/**
 * Who asks for a rotation and why.
 *
 * @param trigger         {@code manual}, {@code scheduled} or {@code emergency}
 * @param expectedVersion start only if the key's current Vault version is still this one (the scheduler
 *                        passes the version it judged due, so a key another replica just rotated is
 *                        not rotated again)
 */
public record RotationRequest(String reason, String trigger, String requestedBy, OptionalLong expectedVersion) {

    public RotationRequest(String reason, String trigger, String requestedBy) {
        this(reason, trigger, requestedBy, OptionalLong.empty());
    }
}
