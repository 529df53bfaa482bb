package dev.kashierrotator.rotation;

import java.time.Instant;
import java.util.Objects;

/**
 * Who asked, through the API, to abort a rotation, when and why, and why it could not be honoured (the
 * old key died meanwhile). A value: each change is a new one. In the record's document its four fields
 * sit flat, as they always did ({@code abortRequestedBy}, {@code abortRequestedAt}, {@code abortReason},
 * {@code abortRefusal}).
 */
@Document
public final class AbortRequest {

    /** Nobody asked. */
    static final AbortRequest NONE = new AbortRequest();

    private String abortRequestedBy;
    private Instant abortRequestedAt;
    private String abortReason;
    private String abortRefusal;

    /** For Jackson, which reads the record's flat fields into a new value. */
    private AbortRequest() {}

    private AbortRequest(String by, Instant at, String reason, String refusal) {
        this.abortRequestedBy = by;
        this.abortRequestedAt = at;
        this.abortReason = reason;
        this.abortRefusal = refusal;
    }

    public String by() {
        return abortRequestedBy;
    }

    /** When it was asked for; null when nobody asked. */
    public Instant at() {
        return abortRequestedAt;
    }

    public String reason() {
        return abortReason;
    }

    /** Why it was not honoured, or null. */
    public String refusal() {
        return abortRefusal;
    }

    /** Someone asked for it. */
    AbortRequest askedBy(String by, String why, Instant at) {
        return new AbortRequest(by, at, why, abortRefusal);
    }

    /** It can no longer be honoured: the rotation goes on forward. */
    AbortRequest refused(String why) {
        return new AbortRequest(abortRequestedBy, abortRequestedAt, abortReason, "abort not honoured: " + why);
    }

    /** The request written through the API into {@code stored}, with this value's refusal kept. */
    AbortRequest requestOf(AbortRequest stored) {
        return new AbortRequest(stored.abortRequestedBy, stored.abortRequestedAt, stored.abortReason, abortRefusal);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AbortRequest other
                && Objects.equals(abortRequestedBy, other.abortRequestedBy)
                && Objects.equals(abortRequestedAt, other.abortRequestedAt)
                && Objects.equals(abortReason, other.abortReason)
                && Objects.equals(abortRefusal, other.abortRefusal);
    }

    @Override
    public int hashCode() {
        return Objects.hash(abortRequestedBy, abortRequestedAt, abortReason, abortRefusal);
    }
}
