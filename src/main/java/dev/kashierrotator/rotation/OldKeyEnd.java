package dev.kashierrotator.rotation;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * How the key dependents held before a rotation ends: the grace a previous payment key keeps, when the old
 * key stopped working on Kashier's side, how long after the request that was, and how long dependents were
 * left without a working key. A value: each change is a new one. Flat in the record's document
 * ({@code graceUntil}, {@code oldKeyExpiredAt}, {@code triggerToOldKeyExpiredMs}, {@code exposureWindowMs}).
 */
@Document
public final class OldKeyEnd {

    /** The old key works and no grace was set. */
    static final OldKeyEnd NONE = new OldKeyEnd();

    /** When the old key stopped working on Kashier's side. */
    private Instant oldKeyExpiredAt;
    /** Until when the previous payment key stays valid; set once, when the rollout first needs it. */
    private Instant graceUntil;
    /** Secret keys: from the old key's death to the last dependent confirming the new one. */
    private Long exposureWindowMs;
    /** Milliseconds from the request to the old key being expired on Kashier's side. */
    private Long triggerToOldKeyExpiredMs;

    /** For Jackson, which reads the record's flat fields into a new value. */
    private OldKeyEnd() {}

    private OldKeyEnd(Instant expiredAt, Instant graceUntil, Long exposureMs, Long sinceRequestMs) {
        this.oldKeyExpiredAt = expiredAt;
        this.graceUntil = graceUntil;
        this.exposureWindowMs = exposureMs;
        this.triggerToOldKeyExpiredMs = sinceRequestMs;
    }

    /** When the old key died on Kashier's side, or null while it works. */
    public Instant expiredAt() {
        return oldKeyExpiredAt;
    }

    public Instant graceUntil() {
        return graceUntil;
    }

    /** How long dependents were exposed, in milliseconds, once measured. */
    public Long exposureWindowMs() {
        return exposureWindowMs;
    }

    /** Milliseconds from the request to the old key's death, once it died. */
    public Long sinceRequestMs() {
        return triggerToOldKeyExpiredMs;
    }

    /**
     * The old key stopped working at {@code at}. The first time counts: if a crash lost an earlier change
     * or expiry, the key died then.
     */
    OldKeyEnd died(Instant at, Instant requested) {
        Instant first = Objects.requireNonNullElse(oldKeyExpiredAt, at);
        return new OldKeyEnd(
                first,
                graceUntil,
                exposureWindowMs,
                Duration.between(requested, first).toMillis());
    }

    /** An alternating key's live user was changed: the key dependents hold died now. */
    OldKeyEnd diedNow(Instant now) {
        return new OldKeyEnd(now, graceUntil, exposureWindowMs, triggerToOldKeyExpiredMs);
    }

    OldKeyEnd graceUntil(Instant until) {
        return new OldKeyEnd(oldKeyExpiredAt, until, exposureWindowMs, triggerToOldKeyExpiredMs);
    }

    /** Dependents were exposed from the old key's death until {@code lastConfirmed}. Only once it died. */
    OldKeyEnd exposedUntil(Instant lastConfirmed) {
        if (oldKeyExpiredAt == null) {
            return this;
        }
        long ms = Math.max(0, Duration.between(oldKeyExpiredAt, lastConfirmed).toMillis());
        return new OldKeyEnd(oldKeyExpiredAt, graceUntil, ms, triggerToOldKeyExpiredMs);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OldKeyEnd other
                && Objects.equals(oldKeyExpiredAt, other.oldKeyExpiredAt)
                && Objects.equals(graceUntil, other.graceUntil)
                && Objects.equals(exposureWindowMs, other.exposureWindowMs)
                && Objects.equals(triggerToOldKeyExpiredMs, other.triggerToOldKeyExpiredMs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(oldKeyExpiredAt, graceUntil, exposureWindowMs, triggerToOldKeyExpiredMs);
    }
}
