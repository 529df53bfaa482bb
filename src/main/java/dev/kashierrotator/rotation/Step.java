package dev.kashierrotator.rotation;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.Objects;

/** One step of the plan. */
@JsonPropertyOrder({"name", "state", "startedAt", "endedAt", "detail"})
@Document
public final class Step {
    private StepName name;
    private StepState state = StepState.PENDING;
    private Instant startedAt;
    private Instant endedAt;
    private String detail;

    /** For Jackson, which reads the document into the fields. */
    Step() {}

    Step(StepName name) {
        this.name = name;
    }

    public StepName name() {
        return name;
    }

    public StepState state() {
        return state;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Instant endedAt() {
        return endedAt;
    }

    /** What the step did, is waiting for, or failed with; for a dashboard step, the person's instructions. */
    public String detail() {
        return detail;
    }

    /** Whether there is nothing left to do in it. */
    boolean over() {
        return state == StepState.DONE || state == StepState.SKIPPED;
    }

    /** Starts (or starts again, keeping when it first started). */
    void begin(Instant now) {
        state = StepState.RUNNING;
        startedAt = Objects.requireNonNullElse(startedAt, now);
        endedAt = null;
    }

    /** Never started after all (an abort landed first): back as it was. */
    void unbegin(Instant startedBefore) {
        state = StepState.PENDING;
        startedAt = startedBefore;
    }

    void done(String what, Instant now) {
        detail = what;
        state = StepState.DONE;
        endedAt = now;
    }

    void failed(String why, Instant now) {
        detail = why;
        state = StepState.FAILED;
        endedAt = now;
    }

    /** Never to run (the rotation failed forward), if it had not started. */
    void skipIfPending() {
        if (state == StepState.PENDING) {
            state = StepState.SKIPPED;
        }
    }

    /**
     * A rollback starts: a running step failed, a pending one is skipped. A running step that asked a person
     * for a new key now tells them not to make it ({@code warnPerson}).
     */
    void abandon(boolean warnPerson, Instant now) {
        if (state != StepState.RUNNING && state != StepState.PENDING) {
            return;
        }
        if (state == StepState.RUNNING && warnPerson) {
            detail = "Aborted before this was done: do not do it now. (It asked: " + detail + ")";
        }
        state = state == StepState.RUNNING ? StepState.FAILED : StepState.SKIPPED;
        endedAt = state == StepState.FAILED ? now : null;
    }

    /** Runs (again), keeping when it first started and what it last said. */
    void resume(Instant now) {
        state = StepState.RUNNING;
        startedAt = Objects.requireNonNullElse(startedAt, now);
    }

    /** Still running: what it waits for or is retrying. */
    void note(String what) {
        detail = what;
    }

    Step copy() {
        Step copy = new Step(name);
        copy.state = state;
        copy.startedAt = startedAt;
        copy.endedAt = endedAt;
        copy.detail = detail;
        return copy;
    }
}
