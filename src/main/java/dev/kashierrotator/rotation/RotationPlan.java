package dev.kashierrotator.rotation;

import java.util.List;

/** What a rotation would do, answered to a dry run. Changes nothing. */
public record RotationPlan(
        String keyId,
        String mid,
        String mode,
        String kind,
        String dashboard,
        List<String> steps,
        List<PlannedWave> waves,
        boolean allWavesAtOnce,
        String soak,
        int maxConcurrency,
        String verifyTimeout,
        String grace,
        String currentFingerprint) {

    /** One wave of the plan. */
    public record PlannedWave(int index, List<PlannedDependent> dependents) {}

    /** One dependent of the plan. */
    public record PlannedDependent(String id, String type) {}
}
