package dev.kashierrotator.rotation;

/**
 * Who asks for a rotation and why.
 *
 * @param trigger {@code manual}, {@code scheduled} or {@code emergency}
 */
public record RotationRequest(String reason, String trigger, String requestedBy) {
}
