package dev.kashierrotator.api;

import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.security.Caller;
import dev.kashierrotator.security.Permission;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Who the token belongs to and what it may do. */
@Path("/api/v1/whoami")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Access")
@SecurityRequirement(name = "bearer")
public class WhoAmIResource {

    private final Caller caller;

    public WhoAmIResource(Caller caller) {
        this.caller = caller;
    }

    /** The caller. */
    public record WhoAmI(String subject, String role, List<String> permissions, List<String> modes) {}

    @GET
    @Operation(summary = "The caller's subject, role, permissions and modes")
    public WhoAmI whoami() {
        return new WhoAmI(
                caller.subject(),
                caller.role().name(),
                caller.role().permissions().stream()
                        .map(Permission::id)
                        .sorted()
                        .toList(),
                caller.role().modes().stream().map(Mode::id).sorted().toList());
    }
}
