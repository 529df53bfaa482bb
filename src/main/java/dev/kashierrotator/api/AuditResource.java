package dev.kashierrotator.api;

import dev.kashierrotator.audit.AuditEvent;
import dev.kashierrotator.audit.AuditTrail;
import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.security.Caller;
import dev.kashierrotator.security.Permission;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The audit trail: who changed what, and who was turned away. */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Audit")
@SecurityRequirement(name = "bearer")
public class AuditResource {

    private final AuditTrail trail;
    private final Inventory inventory;
    private final Caller caller;

    public AuditResource(AuditTrail trail, Inventory inventory, Caller caller) {
        this.trail = trail;
        this.inventory = inventory;
        this.caller = caller;
    }

    @GET
    @Operation(summary = "Audit events, newest first (events about keys of a mode the role cannot see are left out)")
    public List<AuditEvent> list(@QueryParam("limit") String limit) {
        caller.require(Permission.AUDIT_READ, null);
        return trail.recent(
                Limit.parse(limit, 100),
                e -> e.keyId() == null
                        || inventory
                                .key(e.keyId())
                                .map(KeySpec::mode)
                                .map(caller::sees)
                                .orElse(true));
    }

    @GET
    @Path("/verify")
    @Operation(
            summary = "Walk the hash chain from the first event and report the first broken link, if any; "
                    + "since=last goes on from where this replica's last intact walk ended (what the console "
                    + "asks at each view of the trail)")
    public AuditTrail.Verification verify(@QueryParam("since") String since) {
        caller.require(Permission.AUDIT_READ, null);
        if (since != null && !since.equals("last")) {
            throw new dev.kashierrotator.problem.ProblemException(dev.kashierrotator.problem.Problem.invalid(
                    "since", "only 'last' (or leave it out for a whole walk)"));
        }
        return trail.verify(since != null);
    }
}
