package dev.kashierrotator.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.problem.Problem;
import dev.kashierrotator.problem.ProblemException;
import dev.kashierrotator.rotation.Announcements;
import dev.kashierrotator.schedule.RotationScheduler;
import dev.kashierrotator.schedule.SchedulePause;
import dev.kashierrotator.security.Caller;
import dev.kashierrotator.security.Permission;
import dev.kashierrotator.util.Durations;
import io.quarkus.logging.Log;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The schedule as a whole: whether it is paused, keys overdue or stopped, and the switch that holds
 * scheduled rotations on every replica (manual and emergency rotations still run).
 */
@Path("/api/v1/schedule")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Schedule")
@SecurityRequirement(name = "bearer")
public class ScheduleResource {

    private final SchedulePause pause;
    private final RotationScheduler scheduler;
    private final Caller caller;
    private final Clock clock;
    private final Announcements announcements;
    private final Inventory inventory;

    public ScheduleResource(
            SchedulePause pause,
            RotationScheduler scheduler,
            Caller caller,
            Clock clock,
            Announcements announcements,
            Inventory inventory) {
        this.announcements = announcements;
        this.inventory = inventory;
        this.pause = pause;
        this.scheduler = scheduler;
        this.caller = caller;
        this.clock = clock;
    }

    /**
     * The schedule's state.
     *
     * @param paused      whether scheduled rotations are held now
     * @param reason      why it was paused (or resumed, or that the pause ran out)
     * @param by          who paused or resumed it ({@code expiry}: the pause ran out)
     * @param at          when
     * @param until       when the pause ends by itself
     * @param overdueKeys keys past due at the last tick
     * @param stoppedKeys keys the scheduler stopped after failed tries, with why
     * @param lastTick    when this replica last evaluated the schedule
     */
    public record ScheduleView(
            boolean paused,
            String reason,
            String by,
            Instant at,
            Instant until,
            List<String> overdueKeys,
            Map<String, String> stoppedKeys,
            Instant lastTick) {}

    /**
     * Body of a pause: why, and until when (an ISO instant) or for how long ({@code 4h}, {@code 2d}); one of
     * the two.
     */
    public record PauseRequest(
            String reason,
            String until,
            @JsonProperty("for") String forDuration) {}

    /** Body of a resume: why (optional). */
    public record ResumeRequest(String reason) {}

    @GET
    @Operation(summary = "Whether scheduled rotations are paused, and keys overdue or stopped")
    public ScheduleView get() {
        caller.require(Permission.KEYS_READ, null);
        return view(pause.read());
    }

    @POST
    @Path("/pause")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Stop scheduled rotations from starting on every replica until an expiry (manual and "
                    + "emergency rotations still run); a pause already on is replaced")
    public ScheduleView pause(PauseRequest body) {
        caller.audited("schedule.pause", null, null);
        caller.requireEveryMode(Permission.SCHEDULE_PAUSE, "a pause holds scheduled rotations of keys of every mode");
        if (body == null) {
            throw new ProblemException(
                    Problem.invalid("body", "required: {\"reason\": \"...\", \"until\": \"<ISO instant>\"}"));
        }
        String reason = Reasons.checked(body.reason(), true, "scheduled rotations must wait");
        Instant until = until(body);
        SchedulePause.Change change;
        try {
            change = pause.pause(caller.subject(), reason, until);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            throw new ProblemException(Problem.invalid(
                    message.substring(0, message.indexOf(':')), message.substring(message.indexOf(':') + 2)));
        }
        caller.auditDetail("until " + until + ": " + reason);
        Log.infof("schedule paused by %s until %s: %s", caller.subject(), until, reason);
        announcements.announce(SchedulePause.notice(change));
        return view(change.after());
    }

    @POST
    @Path("/resume")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Let scheduled rotations start again (nothing changes when the schedule is not paused)")
    public ScheduleView resume(ResumeRequest body) {
        caller.audited("schedule.resume", null, null);
        caller.requireEveryMode(Permission.SCHEDULE_PAUSE, "a resume lets scheduled rotations of every mode start");
        String reason = Reasons.checked(body == null ? null : body.reason(), false, "");
        SchedulePause.Change change = pause.resume(caller.subject(), reason == null ? "resumed by hand" : reason);
        if (change.before().paused()) {
            caller.auditDetail(change.after().reason());
            Log.infof(
                    "schedule resumed by %s: %s",
                    caller.subject(), change.after().reason());
            announcements.announce(SchedulePause.notice(change));
        }
        return view(change.after());
    }

    private Instant until(PauseRequest body) {
        if ((body.until() == null) == (body.forDuration() == null)) {
            throw new ProblemException(
                    Problem.invalid("until", "give exactly one of until (an ISO instant) or for (such as \"4h\")"));
        }
        if (body.until() != null) {
            try {
                return Instant.parse(body.until().strip());
            } catch (DateTimeParseException e) {
                throw new ProblemException(Problem.invalid(
                        "until", "'" + body.until() + "' is not an ISO instant such as 2026-12-01T06:00:00Z"));
            }
        }
        Optional<Duration> d = Durations.parse(body.forDuration().strip());
        if (d.isEmpty() || d.get().isZero() || d.get().isNegative()) {
            throw new ProblemException(
                    Problem.invalid("for", "'" + body.forDuration() + "' is not a duration such as 4h or 2d"));
        }
        return clock.instant().plus(d.get());
    }

    /** A mode-limited caller learns only its own mode's key ids, here as on {@code /keys}. */
    private boolean sees(String keyId) {
        return caller.seesKeyOf(inventory.key(keyId).map(dev.kashierrotator.inventory.KeySpec::mode));
    }

    private Map<String, String> visible(Map<String, String> stopped) {
        Map<String, String> seen = new java.util.TreeMap<>();
        stopped.forEach((id, why) -> {
            if (sees(id)) {
                seen.put(id, why);
            }
        });
        return seen;
    }

    private ScheduleView view(SchedulePause.State s) {
        return new ScheduleView(
                s.holds(clock.instant()),
                s.reason(),
                s.by(),
                s.at(),
                s.holds(clock.instant()) ? s.until() : null,
                scheduler.overdue().stream().filter(this::sees).toList(),
                visible(scheduler.stopped()),
                scheduler.lastTick().orElse(null));
    }
}
