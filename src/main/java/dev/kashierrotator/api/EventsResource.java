package dev.kashierrotator.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.audit.AuditFilter;
import dev.kashierrotator.audit.AuditTrail;
import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.events.RotationFeed;
import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.problem.ProblemException;
import dev.kashierrotator.security.Caller;
import dev.kashierrotator.security.Permission;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Live progress of every rotation the caller may see. */
@Path("/api/v1/events")
@Tag(name = "Rotations")
@SecurityRequirement(name = "bearer")
public class EventsResource {

    private final RotationFeed feed;
    private final Inventory inventory;
    private final Caller caller;
    private final ObjectMapper json;
    private final RotatorConfig config;
    private final AuditTrail trail;

    public EventsResource(
            RotationFeed feed,
            Inventory inventory,
            Caller caller,
            ObjectMapper json,
            RotatorConfig config,
            AuditTrail trail) {
        this.trail = trail;
        this.feed = feed;
        this.inventory = inventory;
        this.caller = caller;
        this.json = json;
        this.config = config;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(
            summary = "Live progress of every rotation the caller may see (text/event-stream): snapshots of the "
                    + "running and newest ones, then each change; resume with Last-Event-ID")
    public void events(@HeaderParam("Last-Event-ID") String lastEventId, @Context SseEventSink sink, @Context Sse sse) {
        try {
            caller.require(Permission.ROTATIONS_READ, null);
        } catch (ProblemException e) {
            AuditFilter.streamRefused(trail, caller, null, e);
            throw e;
        }
        // Taken now: the stream outlives this request, and its caller's role with it.
        Set<Mode> modes = EnumSet.noneOf(Mode.class);
        for (Mode m : Mode.values()) {
            if (caller.sees(m)) {
                modes.add(m);
            }
        }
        boolean everyMode = modes.size() == Mode.values().length;
        feed.open(
                caller.subject(),
                caller.until().orElse(null),
                null,
                r -> {
                    // As for GET /api/v1/rotations/{id}: the mode from the inventory; a rotation of a key no
                    // longer in it only to callers who see every mode.
                    Optional<Mode> mode = inventory.key(r.keyId()).map(KeySpec::mode);
                    return mode.map(modes::contains).orElse(everyMode);
                },
                lastEventId,
                new EventStream(sink, sse, json, config.events().maxBehind()));
    }
}
