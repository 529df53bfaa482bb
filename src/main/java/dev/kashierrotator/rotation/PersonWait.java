package dev.kashierrotator.rotation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A rotation's wait for a person at the Kashier dashboard: since when it waits, the dependents it waits on
 * being fixed, the steps the person confirmed, and who answered last and when. A value: each change is a
 * new one. Flat in the record's document ({@code awaitingDashboardSince}, {@code confirmedSteps},
 * {@code blockedBy}, {@code dashboardAnsweredBy}, {@code dashboardAnsweredAt}).
 */
@Document
public final class PersonWait {

    /** Nobody was ever waited for. */
    static final PersonWait NONE = new PersonWait();

    /** Since when the rotation waits for a person to answer a dashboard step (the first wait not answered). */
    private Instant awaitingDashboardSince;
    /** Steps a person confirmed as done in the dashboard (for steps that take no key). */
    private List<String> confirmedSteps = List.of();
    /**
     * Dependents known to hold only the old key when the rotation needs them on the new one (before the
     * old key may expire, or after a single-user secret key's change): the rotation waits for a person to
     * fix them and answer, then delivers to them again.
     */
    private List<String> blockedBy = List.of();

    private String dashboardAnsweredBy;
    private Instant dashboardAnsweredAt;

    /** For Jackson, which reads the record's flat fields into a new value. */
    private PersonWait() {}

    private PersonWait(Instant since, List<String> confirmed, List<String> blocked, String by, Instant at) {
        this.awaitingDashboardSince = since;
        this.confirmedSteps = List.copyOf(confirmed);
        this.blockedBy = List.copyOf(blocked);
        this.dashboardAnsweredBy = by;
        this.dashboardAnsweredAt = at;
    }

    /** Since when a person is waited for, or null. */
    public Instant since() {
        return awaitingDashboardSince;
    }

    public List<String> confirmedSteps() {
        return Collections.unmodifiableList(confirmedSteps);
    }

    public List<String> blockedBy() {
        return Collections.unmodifiableList(blockedBy);
    }

    /** Who answered the last dashboard step. */
    public String answeredBy() {
        return dashboardAnsweredBy;
    }

    public Instant answeredAt() {
        return dashboardAnsweredAt;
    }

    /** A step waits for the person, from now unless an earlier wait is still not answered. */
    PersonWait waiting(Instant now) {
        return new PersonWait(
                Objects.requireNonNullElse(awaitingDashboardSince, now),
                confirmedSteps,
                blockedBy,
                dashboardAnsweredBy,
                dashboardAnsweredAt);
    }

    /**
     * Taken up again: if the person answered since the wait began, the next wait counts from when it
     * starts; otherwise it goes on counting from when this one began.
     */
    PersonWait resumed() {
        boolean answered = dashboardAnsweredAt != null
                && awaitingDashboardSince != null
                && !dashboardAnsweredAt.isBefore(awaitingDashboardSince);
        return answered
                ? new PersonWait(null, confirmedSteps, blockedBy, dashboardAnsweredBy, dashboardAnsweredAt)
                : this;
    }

    /** These dependents hold only the old key: the person is to fix them. */
    PersonWait blockedBy(List<String> dependents) {
        return new PersonWait(
                awaitingDashboardSince, confirmedSteps, dependents, dashboardAnsweredBy, dashboardAnsweredAt);
    }

    /**
     * The person answered the step waiting for them: with a key (kept by the record), or that the blocked
     * dependents are fixed, or that the step is done in the dashboard.
     */
    PersonWait answered(StepName step, String by, Instant at) {
        if (step.takesNewKey()) {
            return new PersonWait(awaitingDashboardSince, confirmedSteps, blockedBy, by, at);
        }
        if (!blockedBy.isEmpty()) {
            return new PersonWait(awaitingDashboardSince, confirmedSteps, List.of(), by, at);
        }
        List<String> confirmed = new ArrayList<>(confirmedSteps);
        confirmed.add(step.name());
        return new PersonWait(awaitingDashboardSince, confirmed, blockedBy, by, at);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PersonWait other
                && Objects.equals(awaitingDashboardSince, other.awaitingDashboardSince)
                && Objects.equals(confirmedSteps, other.confirmedSteps)
                && Objects.equals(blockedBy, other.blockedBy)
                && Objects.equals(dashboardAnsweredBy, other.dashboardAnsweredBy)
                && Objects.equals(dashboardAnsweredAt, other.dashboardAnsweredAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                awaitingDashboardSince, confirmedSteps, blockedBy, dashboardAnsweredBy, dashboardAnsweredAt);
    }
}
