package dev.kashierrotator.rotation;

import java.time.Instant;

/** A rotation waiting for a person to answer a dashboard step: which, and since when. */
public record Awaiting(String rotationId, String keyId, String step, Instant since) {}
