package dev.kashierrotator.schedule;

import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.rotation.Notice;
import dev.kashierrotator.vault.CasConflictException;
import dev.kashierrotator.vault.Kv;
import dev.kashierrotator.vault.VaultUnavailableException;
import dev.kashierrotator.vault.Versioned;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The switch that stops scheduled rotations on every replica: one document in Vault at
 * {@code <state-prefix>/schedule/pause}, written with check-and-set, so whichever replica serves the request
 * and whichever ticks, they read the same state. A pause always ends: it carries an expiry no further than
 * {@code rotator.schedule.max-pause} away, and the first replica to tick past it records the resumption
 * (check-and-set: exactly one does, and only that one reports it). Manual and emergency rotations do not
 * look at it.
 */
@ApplicationScoped
public class SchedulePause {

    private final Kv kv;
    private final Clock clock;
    private final String path;
    private final Duration maxPause;
    private volatile State last = State.NEVER;

    /**
     * The switch as recorded.
     *
     * @param paused    whether it is on (an expired pause still reads paused until a tick records its end)
     * @param reason    why it was paused, or resumed
     * @param by        who paused or resumed it ({@code expiry} when the pause ran out)
     * @param at        when that happened
     * @param until     when the pause ends by itself
     * @param version   the document's KV version (0: never written)
     */
    public record State(boolean paused, String reason, String by, Instant at, Instant until, long version) {

        static final State NEVER = new State(false, null, null, null, null, 0);

        /** Whether scheduled rotations are held at {@code now}. */
        public boolean holds(Instant now) {
            return paused && until != null && now.isBefore(until);
        }

        /** Whether a pause ran out and no replica has recorded it yet. */
        boolean ranOut(Instant now) {
            return paused && (until == null || !now.isBefore(until));
        }
    }

    /** What a change of the switch did, for the caller to report. */
    public record Change(State before, State after) {}

    public SchedulePause(Kv kv, Clock clock, RotatorConfig config, Inventory inventory) {
        this.kv = kv;
        this.clock = clock;
        this.path = config.vault().statePrefix().replaceAll("^/+|/+$", "") + "/schedule/pause";
        this.maxPause = inventory.schedule().maxPause();
    }

    /** The longest a pause may be set for. */
    public Duration maxPause() {
        return maxPause;
    }

    /** The switch as stored in Vault now (and remembered, for when Vault cannot be reached). */
    public State read() {
        Optional<Versioned> stored = kv.read(path);
        State s = stored.map(SchedulePause::state).orElse(State.NEVER);
        last = s;
        return s;
    }

    /** The switch as last read: what a tick goes by when Vault does not answer. */
    public State lastRead() {
        return last;
    }

    /**
     * Pauses the schedule until {@code until}; a pause already on is replaced (its new reason and expiry).
     *
     * @throws IllegalArgumentException naming the field, when the expiry is past or too far
     */
    public Change pause(String by, String reason, Instant until) {
        Instant now = clock.instant();
        if (!until.isAfter(now)) {
            throw new IllegalArgumentException("until: " + until + " is not in the future");
        }
        if (until.isAfter(now.plus(maxPause))) {
            throw new IllegalArgumentException("until: a pause may last at most " + maxPause.toHours()
                    + " h (rotator.schedule.max-pause); " + until + " is further");
        }
        return write(new State(true, reason, by, now, until, 0));
    }

    /** Resumes the schedule; resuming a schedule that is not paused changes nothing. */
    public Change resume(String by, String reason) {
        State before = read();
        if (!before.paused()) {
            return new Change(before, before);
        }
        return write(new State(false, reason, by, clock.instant(), null, 0));
    }

    /**
     * Records that a pause ran out, if it did; only the replica whose write lands reports it.
     *
     * @return the change, when this call recorded it
     */
    Optional<Change> endIfRanOut(Instant now) {
        State s;
        try {
            s = read();
        } catch (VaultUnavailableException e) {
            return Optional.empty();
        }
        if (!s.ranOut(now)) {
            return Optional.empty();
        }
        State ended = new State(false, "the pause until " + s.until() + " ran out", "expiry", now, null, 0);
        try {
            long v = kv.write(path, document(ended), s.version());
            last = withVersion(ended, v);
            Log.infof("schedule resumed: the pause until %s (set by %s) ran out", s.until(), s.by());
            return Optional.of(new Change(s, last));
        } catch (CasConflictException e) {
            // Another replica recorded it first (or someone paused again): theirs stands.
            return Optional.empty();
        }
    }

    private Change write(State next) {
        for (int attempt = 0; ; attempt++) {
            State before = read();
            try {
                long v = kv.write(path, document(next), before.version());
                last = withVersion(next, v);
                return new Change(before, last);
            } catch (CasConflictException e) {
                if (attempt >= 4) {
                    throw e;
                }
            }
        }
    }

    /** What people are told about a change of the switch. */
    public static Notice notice(Change change) {
        State s = change.after();
        boolean paused = s.paused();
        return new Notice(
                paused ? "schedule-paused" : "schedule-resumed",
                "schedule-" + (paused ? "paused" : "resumed") + "-" + s.at().toEpochMilli(),
                s.at(),
                null,
                null,
                null,
                null,
                null,
                paused
                        ? "Scheduled rotations paused by " + s.by() + " until " + s.until() + ": " + s.reason()
                        : "Scheduled rotations resumed (" + s.by() + "): " + s.reason(),
                paused
                        ? "No key rotates by schedule until then, on any replica; manual and emergency rotations "
                                + "still run. Lift it with POST /api/v1/schedule/resume."
                        : null,
                s.by(),
                paused ? s.until() : null);
    }

    private static State withVersion(State s, long v) {
        return new State(s.paused(), s.reason(), s.by(), s.at(), s.until(), v);
    }

    private static Map<String, String> document(State s) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("paused", String.valueOf(s.paused()));
        d.put("reason", s.reason() == null ? "" : s.reason());
        d.put("by", s.by() == null ? "" : s.by());
        d.put("at", s.at().toString());
        if (s.until() != null) {
            d.put("until", s.until().toString());
        }
        return d;
    }

    private static State state(Versioned v) {
        Map<String, String> d = v.data();
        return new State(
                Boolean.parseBoolean(d.get("paused")),
                blankToNull(d.get("reason")),
                blankToNull(d.get("by")),
                instant(d.get("at")),
                instant(d.get("until")),
                v.version());
    }

    private static Instant instant(String s) {
        return s == null || s.isBlank() ? null : Instant.parse(s);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
