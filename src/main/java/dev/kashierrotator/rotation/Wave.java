package dev.kashierrotator.rotation;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.kashierrotator.inventory.RolloutPolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** One wave of dependents. */
@JsonPropertyOrder({"index", "state", "startedAt", "endedAt", "dependents"})
@Document
public final class Wave {
    private int index;
    private StepState state = StepState.PENDING;
    private Instant startedAt;
    private Instant endedAt;
    private List<DependentOutcome> dependents = new ArrayList<>();

    /** For Jackson, which reads the document into the fields. */
    Wave() {}

    Wave(int index) {
        this.index = index;
    }

    public int index() {
        return index;
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

    /** Read only: outcomes change through the record's methods, under its lock. */
    public List<DependentOutcome> dependents() {
        return Collections.unmodifiableList(dependents);
    }

    /** Adds a dependent while the rotation is planned. */
    Wave with(DependentOutcome d) {
        dependents.add(d);
        return this;
    }

    /** Starts; answers its dependents. */
    List<DependentOutcome> start(Instant now) {
        state = StepState.RUNNING;
        startedAt = now;
        return dependents;
    }

    /**
     * Ends, failed or done by the policy's failure threshold.
     *
     * @return what failed, naming its first failed dependent, or null
     */
    String end(RolloutPolicy policy, Instant now) {
        List<DependentOutcome> failed = dependents.stream()
                .filter(d -> d.state() != DependentState.CONFIRMED)
                .toList();
        boolean waveFailed = policy.waveFails(index, failed.size(), dependents.size());
        state = waveFailed ? StepState.FAILED : StepState.DONE;
        endedAt = now;
        if (!waveFailed) {
            return null;
        }
        DependentOutcome first = failed.get(0);
        return "dependent " + first.id() + " (wave " + index + ") failed: " + first.error()
                + (failed.size() > 1 ? " (and " + (failed.size() - 1) + " more in that wave)" : "");
    }

    /** Never started because an earlier wave failed. */
    void skip() {
        state = StepState.SKIPPED;
        dependents.forEach(DependentOutcome::skip);
    }

    Wave copy() {
        Wave copy = new Wave(index);
        copy.state = state;
        copy.startedAt = startedAt;
        copy.endedAt = endedAt;
        copy.dependents =
                new ArrayList<>(dependents.stream().map(DependentOutcome::copy).toList());
        return copy;
    }
}
