package dev.kashierrotator.api;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.kashierrotator.rotation.AbortRequest;
import dev.kashierrotator.rotation.DependentOutcome;
import dev.kashierrotator.rotation.DependentState;
import dev.kashierrotator.rotation.KeyRef;
import dev.kashierrotator.rotation.Lease;
import dev.kashierrotator.rotation.OldKeyEnd;
import dev.kashierrotator.rotation.PersonWait;
import dev.kashierrotator.rotation.Request;
import dev.kashierrotator.rotation.Rotation;
import dev.kashierrotator.rotation.RotationState;
import dev.kashierrotator.rotation.Step;
import dev.kashierrotator.rotation.StepName;
import dev.kashierrotator.rotation.StepState;
import dev.kashierrotator.rotation.Wave;
import java.time.Instant;
import java.util.List;

/**
 * A rotation as the API shows it (docs/api.md). Its own type, so that the Vault document
 * ({@link Rotation}, with its schema version) and the API can change apart; built from a snapshot of the
 * record, never holding a key value. The record's value parts are shown as they are, flat (the same names
 * as in the document); the steps and waves have views of their own.
 */
public record RotationView(
        String id,
        @JsonUnwrapped Request request,
        RotationState state,
        @JsonUnwrapped(prefix = "old") KeyRef oldKey,
        @JsonUnwrapped(prefix = "new") KeyRef newKey,
        List<StepView> steps,
        List<WaveView> waves,
        Instant createdAt,
        Instant updatedAt,
        String error,
        @JsonUnwrapped OldKeyEnd oldKeyEnd,
        String fromUser,
        String toUser,
        @JsonUnwrapped PersonWait personWait,
        @JsonUnwrapped AbortRequest abort,
        @JsonUnwrapped Lease lease,
        String rollBackCause) {

    static RotationView of(Rotation record) {
        Rotation r = record.snapshot();
        return new RotationView(
                r.id(),
                r.request(),
                r.state(),
                r.oldKey(),
                r.newKey(),
                r.steps().stream().map(StepView::of).toList(),
                r.waves().stream().map(WaveView::of).toList(),
                r.createdAt(),
                r.updatedAt(),
                r.error(),
                r.oldKeyEnd(),
                r.fromUser(),
                r.toUser(),
                r.personWait(),
                r.abort(),
                r.lease(),
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
