package dev.kashierrotator.api;

import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.problem.Problem;
import dev.kashierrotator.problem.ProblemException;
import dev.kashierrotator.rotation.EmergencyOrder;
import dev.kashierrotator.rotation.KeyStore;
import dev.kashierrotator.rotation.Rotation;
import dev.kashierrotator.rotation.RotationEngine;
import dev.kashierrotator.rotation.RotationException;
import dev.kashierrotator.rotation.RotationRequest;
import dev.kashierrotator.rotation.StoredKey;
import dev.kashierrotator.rotation.Trigger;
import dev.kashierrotator.schedule.DuePolicy;
import dev.kashierrotator.security.Caller;
import dev.kashierrotator.security.Permission;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The key inventory and the way to rotate a key. */
@Path("/api/v1/keys")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Keys")
@SecurityRequirement(name = "bearer")
public class KeysResource {

    private final Inventory inventory;
    private final KeyStore keys;
    private final RotationEngine engine;
    private final Caller caller;
    private final Clock clock;

    public KeysResource(Inventory inventory, KeyStore keys, RotationEngine engine, Caller caller, Clock clock) {
        this.clock = clock;
        this.inventory = inventory;
        this.keys = keys;
        this.engine = engine;
        this.caller = caller;
    }

    @GET
    @Operation(summary = "Every key of the inventory with its fingerprint, age and next rotation")
    public List<KeyView> list() {
        caller.require(Permission.KEYS_READ, null);
        // A mode-limited role sees only its mode's keys, also in lists.
        return inventory.keys().stream()
                .filter(k -> caller.sees(k.mode()))
                .map(this::view)
                .toList();
    }

    @GET
    @Path("/{keyId}")
    @Operation(summary = "One key")
    public KeyView get(@PathParam("keyId") String keyId) {
        KeySpec key = caller.requireKey(
                Permission.KEYS_READ, inventory.key(keyId), KeySpec::mode, () -> RotationException.unknownKey(keyId));
        return view(key);
    }

    @POST
    @Path("/{keyId}/rotations")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Rotate a key now (202 with the rotation; 200 with the plan for a dry run)")
    public Response rotate(@PathParam("keyId") String keyId, RotationCreateRequest body) {
        boolean dryRun = body != null && Boolean.TRUE.equals(body.dryRun());
        if (!dryRun) {
            caller.audited(
                    body != null && Boolean.TRUE.equals(body.emergency()) ? "rotation.emergency" : "rotation.create",
                    keyId,
                    null);
        }
        KeySpec key = caller.requireKey(
                Permission.ROTATIONS_CREATE,
                inventory.key(keyId),
                KeySpec::mode,
                () -> RotationException.unknownKey(keyId));
        if (body != null && Boolean.TRUE.equals(body.emergency())) {
            caller.require(Permission.ROTATIONS_EMERGENCY, key.mode());
        }
        if (body == null) {
            throw new ProblemException(Problem.invalid("body", "required: {\"reason\": \"...\"}"));
        }
        String reason = Reasons.checked(body.reason(), true, "the key rotates");
        boolean emergency = Boolean.TRUE.equals(body.emergency());
        EmergencyOrder order = null;
        if (body.order() != null) {
            if (!emergency) {
                throw new ProblemException(Problem.invalid("order", "applies to emergency rotations only"));
            }
            order = EmergencyOrder.find(body.order())
                    .orElseThrow(
                            () -> new ProblemException(Problem.invalid("order", "must be push-first or revoke-first")));
        }
        if (Boolean.TRUE.equals(body.dryRun())) {
            return Response.ok(engine.plan(keyId, emergency, order)).build();
        }
        Rotation rotation = engine.start(
                keyId,
                emergency
                        ? RotationRequest.emergency(reason, caller.subject(), order)
                        : new RotationRequest(reason, Trigger.MANUAL, caller.subject()));
        // The trail names the rotation the request made.
        caller.audited(caller.audited().action(), keyId, rotation.id());
        // Relative, as the contract shows it (JAX-RS would make a URI absolute).
        return Response.accepted(RotationView.of(rotation))
                .header("Location", "/api/v1/rotations/" + rotation.id())
                .build();
    }

    private KeyView view(KeySpec spec) {
        Optional<StoredKey> current = keys.current(spec.id());
        Instant last = current.map(StoredKey::rotatedAt)
                .filter(t -> !Instant.EPOCH.equals(t))
                .orElse(null);
        return new KeyView(
                spec.id(),
                spec.account(),
                spec.mid(),
                spec.mode().id(),
                spec.kind().id(),
                spec.isPaymentKey() ? null : spec.strategy().id(),
                current.map(StoredKey::fingerprint).orElse(null),
                current.map(StoredKey::version).orElse(null),
                last,
                last == null ? null : Duration.between(last, clock.instant()).toSeconds(),
                spec.schedule()
                        .map(p -> DuePolicy.evaluate(spec.id(), p, last, clock.instant(), Duration.ZERO)
                                .dueAt())
                        .orElse(null),
                engine.running(spec.id()).isPresent(),
                keys.mount() + "/" + keys.path(spec.id()));
    }
}
