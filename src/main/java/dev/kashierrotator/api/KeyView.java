package dev.kashierrotator.api;

import java.time.Instant;

/**
 * A key as the API shows it (docs/api.md): fingerprint, age and version, never the value.
 *
 * @param ageSeconds seconds since the current key was rotated in
 */
public record KeyView(
        String id,
        String account,
        String mid,
        String mode,
        String kind,
        String strategy,
        String fingerprint,
        Long version,
        Instant lastRotatedAt,
        Long ageSeconds,
        Instant nextRotationAt,
        boolean rotationInProgress,
        String vaultPath) {}
