package dev.kashierrotator.api;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.kashierrotator.rotation.DependentOutcome;
import dev.kashierrotator.rotation.DependentState;
import dev.kashierrotator.rotation.EmergencyOrder;
import dev.kashierrotator.rotation.Rotation;
import dev.kashierrotator.rotation.RotationState;
import dev.kashierrotator.rotation.Step;
import dev.kashierrotator.rotation.StepName;
import dev.kashierrotator.rotation.StepState;
import dev.kashierrotator.rotation.Trigger;
import dev.kashierrotator.rotation.Wave;
import java.time.Instant;
import java.util.List;

/**
 * A rotation as the API shows it (docs/api.md). Its own type, so that the Vault document
 * ({@link Rotation}, with its schema version) and the API can change apart; built from a snapshot of the
 * record, never holding a key value.
 */
public record RotationView(
        String id,
        String keyId,
        Trigger trigger,
        String requestedBy,
        String reason,
        RotationState state,
        String oldFingerprint,
        String newFingerprint,
        List<StepView> steps,
        List<WaveView> waves,
        Instant createdAt,
        Instant updatedAt,
        String error,
        String mid,
        String mode,
        String kind,
        long oldVersion,
        Long newVersion,
        String oldKashierKeyId,
        String newKashierKeyId,
        Instant oldKeyExpiredAt,
        Instant graceUntil,
        Long exposureWindowMs,
        String fromUser,
        String toUser,
        boolean emergency,
        EmergencyOrder order,
        Long triggerToOldKeyExpiredMs,
        Instant awaitingDashboardSince,
        List<String> confirmedSteps,
        List<String> blockedBy,
        String dashboardAnsweredBy,
        Instant dashboardAnsweredAt,
        String abortRequestedBy,
        Instant abortRequestedAt,
        String abortReason,
        String abortRefusal,
        String owner,
        long epoch,
        String rollBackCause) {

    static RotationView of(Rotation record) {
        Rotation r = record.snapshot();
        return new RotationView(
                r.id(),
                r.keyId(),
                r.trigger(),
                r.requestedBy(),
                r.reason(),
                r.state(),
                r.oldFingerprint(),
                r.newFingerprint(),
                r.steps().stream().map(StepView::of).toList(),
                r.waves().stream().map(WaveView::of).toList(),
                r.createdAt(),
                r.updatedAt(),
                r.error(),
                r.mid(),
                r.mode(),
                r.kind(),
                r.oldVersion(),
                r.newVersion(),
                r.oldKashierKeyId(),
                r.newKashierKeyId(),
                r.oldKeyExpiredAt(),
                r.graceUntil(),
                r.exposureWindowMs(),
                r.fromUser(),
                r.toUser(),
                r.emergency(),
                r.order(),
                r.triggerToOldKeyExpiredMs(),
                r.awaitingDashboardSince(),
                List.copyOf(r.confirmedSteps()),
                List.copyOf(r.blockedBy()),
                r.dashboardAnsweredBy(),
                r.dashboardAnsweredAt(),
                r.abort().by(),
                r.abort().at(),
                r.abort().reason(),
                r.abort().refusal(),
                r.lease().owner(),
                r.lease().epoch(),
                r.rollBackCause());
    }

    /** One step of the plan. */
    @JsonPropertyOrder({"name", "state", "startedAt", "endedAt", "detail"})
    public record StepView(StepName name, StepState state, Instant startedAt, Instant endedAt, String detail) {
        static StepView of(Step s) {
            return new StepView(s.name(), s.state(), s.startedAt(), s.endedAt(), s.detail());
        }
    }

    /** One wave of dependents. */
    public record WaveView(
            int index, StepState state, Instant startedAt, Instant endedAt, List<DependentView> dependents) {
        static WaveView of(Wave w) {
            return new WaveView(
                    w.index(),
                    w.state(),
                    w.startedAt(),
                    w.endedAt(),
                    w.dependents().stream().map(DependentView::of).toList());
        }
    }

    /** What happened to one dependent. */
    public record DependentView(
            String id,
            String type,
            DependentState state,
            int attempts,
            boolean accepted,
            String circuitBreaker,
            String error,
            Instant confirmedAt) {
        static DependentView of(DependentOutcome d) {
            return new DependentView(
                    d.id(),
                    d.type(),
                    d.state(),
                    d.attempts(),
                    d.accepted(),
                    d.circuitBreaker(),
                    d.error(),
                    d.confirmedAt());
        }
    }
}
