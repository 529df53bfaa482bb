package dev.kashierrotator.sim;

import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.inventory.Mode;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The Kashier simulator over HTTP (docs/configuration.md, Kashier simulator), served only when {@code rotator.kashier.simulator.enabled}.
 * The payments endpoint behaves like Kashier's API; the dashboard endpoints stand in for a person using
 * Kashier's dashboard.
 */
@Path("/sim/kashier/{mode}")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Kashier simulator (dev/test)")
public class SimulatorResource {

    private final KashierSimulator simulator;
    private final boolean enabled;

    public SimulatorResource(KashierSimulator simulator, RotatorConfig config) {
        this.simulator = simulator;
        this.enabled = config.kashier().simulator().enabled();
    }

    /** A request for one merchant's dashboard. */
    public record MerchantRequest(String mid) {}

    @GET
    @Path("/payments/orders/{orderId}")
    @Operation(summary = "Kashier API: get an order (401 for a missing, unknown, expired or other-mode key)")
    public Response order(
            @PathParam("mode") String mode,
            @PathParam("orderId") String orderId,
            @HeaderParam("Authorization") String authorization) {
        Mode m = mode(mode);
        if (!simulator.authenticates(m, authorization)) {
            return Response.status(401)
                    .entity(Map.of("status", "FAILURE", "message", "Unauthorized: invalid or expired secret key"))
                    .build();
        }
        return Response.status(404)
                .entity(Map.of("status", "FAILURE", "message", "Order not found"))
                .build();
    }

    @GET
    @Path("/dashboard/keys")
    @Operation(summary = "Dashboard: list a merchant's keys (fingerprints only)")
    public List<KashierSimulator.DashboardKey> keys(@PathParam("mode") String mode, @QueryParam("mid") String mid) {
        return simulator.list(mode(mode), requireMid(mid));
    }

    @POST
    @Path("/dashboard/payment-keys")
    @Operation(summary = "Dashboard: issue one more payment API key")
    public Response issuePaymentKey(@PathParam("mode") String mode, MerchantRequest request) {
        KashierSimulator.ShownKey key =
                simulator.issuePaymentKey(mode(mode), requireMid(request == null ? null : request.mid()));
        return Response.status(201).entity(key).build();
    }

    @DELETE
    @Path("/dashboard/payment-keys/{id}")
    @Operation(summary = "Dashboard: delete a payment API key by id or fingerprint (expires at once)")
    public Response deletePaymentKey(
            @PathParam("mode") String mode, @PathParam("id") String id, @QueryParam("mid") String mid) {
        boolean deleted = simulator.deletePaymentKey(mode(mode), requireMid(mid), id);
        return Response.status(deleted ? 204 : 404).build();
    }

    @POST
    @Path("/dashboard/secret-keys/{user}/change")
    @Operation(summary = "Dashboard: change a user's secret key (the old one expires at once)")
    public KashierSimulator.ShownKey changeSecretKey(
            @PathParam("mode") String mode, @PathParam("user") String user, MerchantRequest request) {
        return simulator.changeSecretKey(mode(mode), requireMid(request == null ? null : request.mid()), user);
    }

    private Mode mode(String mode) {
        if (!enabled) {
            throw new NotFoundException();
        }
        return Mode.of(mode).orElseThrow(NotFoundException::new);
    }

    private static String requireMid(String mid) {
        if (mid == null || mid.isBlank()) {
            throw new jakarta.ws.rs.BadRequestException("mid is required");
        }
        return mid;
    }
}
