package dev.kashierrotator.security;

import dev.kashierrotator.api.Problem;
import io.quarkus.logging.Log;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * No {@code /api} call is ever open: each needs {@code Authorization: Bearer <token>}. Tokens are
 * compared as SHA-256 digests in constant time, and a rejected token is never echoed or logged.
 */
public class BearerAuthFilter {

    private final AccessControl access;
    private final Caller caller;

    public BearerAuthFilter(AccessControl access, Caller caller) {
        this.access = access;
        this.caller = caller;
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> authenticate(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.equals("/api") && !path.startsWith("/api/")) {
            return Optional.empty();
        }
        String header = request.getHeaderString("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
            return Optional.of(unauthorized("missing bearer token: send Authorization: Bearer <token>"));
        }
        Optional<AccessControl.Principal> principal = access.authenticate(header.substring(7).trim());
        if (principal.isPresent()) {
            caller.authenticate(principal.get());
            return Optional.empty();
        }
        Log.warnf("rejected an API call to %s %s: invalid bearer token", request.getMethod(), path);
        return Optional.of(unauthorized("invalid bearer token"));
    }

    private static Response unauthorized(String detail) {
        Response r = Problem.of(401, "unauthorized", "Unauthorized", detail).toResponse();
        return Response.fromResponse(r).header("WWW-Authenticate", "Bearer realm=\"kashier-key-rotator\"").build();
    }
}
