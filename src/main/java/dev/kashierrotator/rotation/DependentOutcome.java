package dev.kashierrotator.rotation;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;

/** What happened to one dependent. */
@JsonPropertyOrder({"id", "type", "state", "attempts", "accepted", "circuitBreaker", "error", "confirmedAt"})
@Document
public final class DependentOutcome {
    private String id;
    private String type;
    private DependentState state = DependentState.PENDING;
    private int attempts;
    /** The dependent took the new key (a 2xx or a write): a rollback must give it the old one back. */
    private boolean accepted;
    /** State of this dependent's circuit breaker after its last call: CLOSED, OPEN or HALF_OPEN. */
    private String circuitBreaker;

    private String error;
    private Instant confirmedAt;

    /** For Jackson, which reads the document into the fields. */
    DependentOutcome() {}

    public DependentOutcome(String id, String type) {
        this.id = id;
        this.type = type;
    }

    public String id() {
        return id;
    }

    public String type() {
        return type;
    }

    public DependentState state() {
        return state;
    }

    public int attempts() {
        return attempts;
    }

    public boolean accepted() {
        return accepted;
    }

    public String circuitBreaker() {
        return circuitBreaker;
    }

    public String error() {
        return error;
    }

    public Instant confirmedAt() {
        return confirmedAt;
    }

    // What happens to it, each called by the record under its lock.

    /** A delivery to it starts. */
    void delivering() {
        state = DependentState.DELIVERING;
        attempts++;
    }

    /** It took the key: a rollback must give it the old one back. */
    void accept() {
        accepted = true;
    }

    /** It took the key and is being asked whether it uses it. */
    void verifying() {
        state = DependentState.VERIFYING;
        accepted = true;
    }

    /** The state of its circuit breaker after its last call. */
    void breaker(String state) {
        circuitBreaker = state;
    }

    /** Its outcome for this rollout. */
    void finish(DependentState outcome, String why, Instant now) {
        state = outcome;
        error = why;
        if (outcome == DependentState.CONFIRMED) {
            confirmedAt = now;
        }
    }

    /** Never reached: its wave was skipped. */
    void skip() {
        state = DependentState.SKIPPED;
    }

    /** A rollback gave it the old key back, or failed to ({@code failure}, with why). */
    void restored(String failure) {
        state = failure != null ? DependentState.ROLLBACK_FAILED : DependentState.ROLLED_BACK;
        error = failure;
    }

    DependentOutcome copy() {
        DependentOutcome copy = new DependentOutcome(id, type);
        copy.state = state;
        copy.attempts = attempts;
        copy.accepted = accepted;
        copy.circuitBreaker = circuitBreaker;
        copy.error = error;
        copy.confirmedAt = confirmedAt;
        return copy;
    }
}
