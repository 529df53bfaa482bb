package dev.kashierrotator.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.audit.AuditFilter;
import dev.kashierrotator.audit.AuditTrail;
import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.events.RotationFeed;
import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.problem.Problem;
import dev.kashierrotator.problem.ProblemException;
import dev.kashierrotator.rotation.Rotation;
import dev.kashierrotator.rotation.RotationEngine;
import dev.kashierrotator.rotation.RotationException;
import dev.kashierrotator.rotation.RotationException.Refusal;
import dev.kashierrotator.rotation.RotationState;
import dev.kashierrotator.security.Caller;
import dev.kashierrotator.security.Permission;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Rotation records: what happened, step by step and dependent by dependent. */
@Path("/api/v1/rotations")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Rotations")
@SecurityRequirement(name = "bearer")
public class RotationsResource {

    private final RotationEngine engine;
    private final Inventory inventory;
    private final Caller caller;
    private final RotationFeed feed;
    private final ObjectMapper json;
    private final RotatorConfig config;
    private final AuditTrail trail;

    public RotationsResource(
            RotationEngine engine,
            Inventory inventory,
            Caller caller,
            RotationFeed feed,
            ObjectMapper json,
            RotatorConfig config,
            AuditTrail trail) {
        this.trail = trail;
        this.engine = engine;
        this.inventory = inventory;
        this.caller = caller;
        this.feed = feed;
        this.json = json;
        this.config = config;
    }

    @GET
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(
            summary = "Live progress of one rotation (text/event-stream): its snapshot, then each state, step, "
                    + "wave and dependent change until it ends; resume with Last-Event-ID")
    public void events(
            @PathParam("id") String id,
            @HeaderParam("Last-Event-ID") String lastEventId,
            @Context SseEventSink sink,
            @Context Sse sse) {
        Rotation r;
        try {
            r = visible(id, Permission.ROTATIONS_READ);
        } catch (ProblemException e) {
            AuditFilter.streamRefused(trail, caller, checkedId(id), e);
            throw e;
        }
        feed.open(
                caller.subject(),
                caller.until().orElse(null),
                r.id(),
                x -> true,
                lastEventId,
                new EventStream(sink, sse, json, config.events().maxBehind()));
    }

    @GET
    @Operation(summary = "Rotations, newest first")
    public List<RotationView> list(
            @QueryParam("keyId") String keyId, @QueryParam("state") String state, @QueryParam("limit") String limit) {
        caller.require(Permission.ROTATIONS_READ, null);
        if (keyId != null && inventory.key(keyId).isEmpty()) {
            throw new ProblemException(Problem.invalid("keyId", "unknown key '" + keyId + "'"));
        }
        if (keyId != null) {
            caller.require(Permission.ROTATIONS_READ, inventory.key(keyId).get().mode());
        }
        RotationState wanted = null;
        if (state != null) {
            try {
                wanted = RotationState.valueOf(state);
            } catch (IllegalArgumentException e) {
                throw new ProblemException(Problem.invalid(
                        "state",
                        "must be one of "
                                + Arrays.stream(RotationState.values())
                                        .map(Enum::name)
                                        .collect(Collectors.joining(", "))));
            }
        }
        return engine
                .list(
                        keyId,
                        wanted,
                        Limit.parse(limit, 50),
                        // As for one rotation: the mode from the inventory, not the record (edges review L6).
                        r -> caller.seesKeyOf(inventory.key(r.keyId()).map(KeySpec::mode)))
                .stream()
                .map(RotationView::of)
                .toList();
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One rotation")
    public RotationView get(@PathParam("id") String id) {
        return RotationView.of(visible(id, Permission.ROTATIONS_READ));
    }

    /** The rotation, if the caller has the permission for its key's mode (404 when there is none). */
    private Rotation visible(String id, Permission permission) {
        Rotation r = engine.get(checkedId(id))
                .orElseThrow(() ->
                        new RotationException(Refusal.UNKNOWN, "Unknown rotation", "no rotation '" + id + "'", null));
        if (caller.audited() != null) {
            caller.audited(caller.audited().action(), r.keyId(), r.id());
        }
        // A denied read is audited under the rotation's key, so that auditors limited to other modes do not
        // see it (edges review L6).
        caller.about(r.keyId());
        // The mode comes from the inventory, not the record (which an older version or a hand edit may have
        // left without a valid one); a rotation of a key no longer in the inventory is shown to callers who
        // see every mode only (finding 22).
        Optional<Mode> mode = inventory.key(r.keyId()).map(KeySpec::mode);
        if (mode.isPresent()) {
            caller.require(permission, mode.get());
        } else {
            for (Mode m : Mode.values()) {
                caller.require(permission, m);
            }
        }
        return r;
    }

    /**
     * Body of a confirm: the new key for a step that issues or changes one (never echoed or logged),
     * nothing for a step that deletes one.
     */
    public record ConfirmRequest(String newKey) {
        @Override
        public String toString() {
            return "ConfirmRequest[newKey=" + (newKey == null ? "none" : "given") + "]";
        }
    }

    @POST
    @Path("/{id}/confirm")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Answer the dashboard step a rotation waits for (AWAITING_DASHBOARD): {\"newKey\": \"...\"} "
                    + "for a new or changed key, {} once the old key is deleted")
    public Response confirm(@PathParam("id") String id, ConfirmRequest body) {
        caller.audited("rotation.confirm", null, id);
        visible(id, Permission.ROTATIONS_CONFIRM);
        return Response.accepted(RotationView.of(
                        engine.confirm(checkedId(id), body == null ? null : body.newKey(), caller.subject())))
                .build();
    }

    /** Body of an abort: why (optional, shown in the record). */
    public record AbortRequest(String reason) {}

    @POST
    @Path("/{id}/abort")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Abort a rotation while the old key still works: dependents get it back, the new key is "
                    + "expired, the rotation ends ABORTED (409 once the old key is dead)")
    public Response abort(@PathParam("id") String id, AbortRequest body) {
        caller.audited("rotation.abort", null, id);
        visible(id, Permission.ROTATIONS_ABORT);
        String reason = Reasons.checked(body == null ? null : body.reason(), false, "");
        return Response.accepted(RotationView.of(engine.abort(checkedId(id), caller.subject(), reason)))
                .build();
    }

    private static String checkedId(String id) {
        if (!RotationEngine.isRotationId(id)) {
            throw new RotationException(Refusal.UNKNOWN, "Unknown rotation", "no rotation '" + id + "'", null);
        }
        return id;
    }
}
