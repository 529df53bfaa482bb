package dev.kashierrotator.security;

import dev.kashierrotator.problem.Problem;
import dev.kashierrotator.util.RateLimitedLog;
import io.quarkus.logging.Log;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * No {@code /api} call is ever open: each needs {@code Authorization: Bearer <token>}. Tokens are
 * compared as SHA-256 digests in constant time, and a rejected token is never echoed or logged.
 */
public class BearerAuthFilter {

    private final AccessControl access;
    private final Caller caller;
    private final Clock clock;

    public BearerAuthFilter(AccessControl access, Caller caller, Clock clock) {
        this.access = access;
        this.caller = caller;
        this.clock = clock;
    }

    /** Request property: the caller's address, for the audit trail. */
    public static final String SOURCE_IP = "rotator.sourceIp";
    /** Request property: who an unauthenticated call claimed to be ({@code anonymous} or {@code invalid-token}). */
    public static final String UNAUTHENTICATED = "rotator.unauthenticated";

    /** Anyone can make the service reject a token: the log says so a few times a second at most. */
    private static final RateLimitedLog REJECTIONS = new RateLimitedLog(5);

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> authenticate(ContainerRequestContext request, HttpServerRequest http) {
        String path = request.getUriInfo().getPath();
        if (!isApi(request)) {
            return Optional.empty();
        }
        if (http.remoteAddress() != null) {
            request.setProperty(SOURCE_IP, http.remoteAddress().hostAddress());
        }
        String header = request.getHeaderString("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
            request.setProperty(UNAUTHENTICATED, "anonymous");
            return Optional.of(unauthorized("missing bearer token: send Authorization: Bearer <token>"));
        }
        Optional<AccessControl.Principal> principal =
                access.authenticate(header.substring(7).trim());
        if (principal.isPresent()) {
            caller.authenticate(
                    principal.get(),
                    http.remoteAddress() == null ? null : http.remoteAddress().hostAddress());
            return Optional.empty();
        }
        request.setProperty(UNAUTHENTICATED, "invalid-token");
        if (REJECTIONS.allow(clock.millis())) {
            long held = REJECTIONS.suppressedSinceLast();
            Log.warnf(
                    "rejected an API call to %s %s: invalid bearer token%s",
                    request.getMethod(),
                    path,
                    held == 0
                            ? ""
                            : " (" + held + " more rejections not logged; see rotator_audit_denied_calls_total)");
        }
        return Optional.of(unauthorized("invalid bearer token"));
    }

    /** Whether the request is for the REST API (everything under {@code /api}), which all these filters guard. */
    public static boolean isApi(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        return path.equals("/api") || path.startsWith("/api/");
    }

    private static Response unauthorized(String detail) {
        Response r = Problem.of(401, "unauthorized", "Unauthorized", detail).toResponse();
        return Response.fromResponse(r)
                .header("WWW-Authenticate", "Bearer realm=\"kashier-key-rotator\"")
                .build();
    }
}
