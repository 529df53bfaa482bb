package dev.kashierrotator.api;

import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.rotation.Rotation;
import dev.kashierrotator.rotation.RotationEngine;
import dev.kashierrotator.rotation.RotationException;
import dev.kashierrotator.rotation.RotationState;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Arrays;
import java.util.List;
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

    public RotationsResource(RotationEngine engine, Inventory inventory) {
        this.engine = engine;
        this.inventory = inventory;
    }

    @GET
    @Operation(summary = "Rotations, newest first")
    public List<Rotation> list(@QueryParam("keyId") String keyId, @QueryParam("state") String state,
                               @QueryParam("limit") String limit) {
        if (keyId != null && inventory.key(keyId).isEmpty()) {
            throw new ProblemException(Problem.invalid("keyId", "unknown key '" + keyId + "'"));
        }
        RotationState wanted = null;
        if (state != null) {
            try {
                wanted = RotationState.valueOf(state);
            } catch (IllegalArgumentException e) {
                throw new ProblemException(Problem.invalid("state", "must be one of " + Arrays.stream(
                        RotationState.values()).map(Enum::name).collect(Collectors.joining(", "))));
            }
        }
        int max = 50;
        if (limit != null) {
            try {
                max = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                max = -1;
            }
            if (max < 1 || max > 1000) {
                throw new ProblemException(Problem.invalid("limit", "must be a whole number from 1 to 1000"));
            }
        }
        return engine.list(keyId, wanted, max);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One rotation")
    public Rotation get(@PathParam("id") String id) {
        if (!id.matches("rot-[0-9A-Za-z-]{1,64}")) {
            throw new RotationException(404, "Unknown rotation", "no rotation '" + id + "'", null);
        }
        return engine.get(id).orElseThrow(() -> new RotationException(404, "Unknown rotation",
                "no rotation '" + id + "'", null));
    }
}
