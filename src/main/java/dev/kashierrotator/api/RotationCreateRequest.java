package dev.kashierrotator.api;

/**
 * Body of {@code POST /api/v1/keys/{keyId}/rotations}.
 *
 * @param reason    why the key rotates, required (shown in the record and the audit trail)
 * @param emergency all waves at once, no soak, no grace (needs {@code rotations:emergency})
 * @param dryRun    answer the plan and change nothing
 * @param order     emergency only: {@code push-first} (default: distribute, then expire the old key) or
 *                  {@code revoke-first} (expire the old key first, for a key being abused)
 */
public record RotationCreateRequest(String reason, Boolean emergency, Boolean dryRun, String order) {}
