package dev.kashierrotator.audit;

import dev.kashierrotator.security.BearerAuthFilter;
import dev.kashierrotator.security.Caller;
import dev.kashierrotator.util.Printable;
import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Turns API answers into audit events: every call that changes something (whatever its outcome) and
 * every denied call (401, 403). Reads that succeed are not audited.
 */
public class AuditFilter {

    private static final int MAX_DETAIL = 300;

    private final AuditTrail trail;
    private final Instance<Caller> caller;

    public AuditFilter(AuditTrail trail, Instance<Caller> caller) {
        this.trail = trail;
        this.caller = caller;
    }

    /**
     * Records the refusal of an event stream (a 403 before it opened): the response filter does not see the
     * answer of a stream's method, so its resource tells the trail itself, as {@link #audit} would have.
     */
    public static void streamRefused(AuditTrail trail, Caller who, String rotationId, RuntimeException refusal) {
        if (!(refusal instanceof dev.kashierrotator.problem.ProblemException p)
                || p.problem().status() != 403) {
            return;
        }
        who.deniedRecorded();
        String path = rotationId == null ? "/api/v1/events" : "/api/v1/rotations/" + rotationId + "/events";
        trail.recordDenied(
                new AuditEvent(
                        0,
                        trail.now(),
                        who.subject(),
                        "access.denied",
                        who.aboutKey(),
                        rotationId,
                        "denied",
                        403,
                        who.sourceIp(),
                        Printable.line("GET " + path),
                        null,
                        null),
                true);
    }

    @ServerResponseFilter
    public void audit(ContainerRequestContext request, ContainerResponseContext response) {
        if (!BearerAuthFilter.isApi(request)) {
            return;
        }
        String path = request.getUriInfo().getPath();
        int status = response.getStatus();
        boolean denied = status == 401 || status == 403;
        Object unauthenticated = request.getProperty(BearerAuthFilter.UNAUTHENTICATED);
        Caller who = unauthenticated == null ? caller.get() : null;
        Caller.Audited audited = who == null ? null : who.audited();
        if ((audited == null && !denied) || (who != null && who.isDeniedRecorded())) {
            return;
        }
        String action = audited != null ? audited.action() : status == 401 ? "auth.rejected" : "access.denied";
        String keyId = audited != null && audited.keyId() != null
                ? audited.keyId()
                : who != null && who.aboutKey() != null
                        ? who.aboutKey()
                        : request.getUriInfo().getPathParameters().getFirst("keyId");
        // The resource names the rotation it made or touched; else the path does.
        String rotationId = audited != null && audited.rotationId() != null
                ? audited.rotationId()
                : request.getUriInfo().getPathParameters().getFirst("id");
        String outcome = status < 300 ? "accepted" : denied ? "denied" : status >= 500 ? "failed" : "rejected";
        String actor = unauthenticated != null ? unauthenticated.toString() : who.subject();
        // The path is the caller's text (an unauthenticated one's too): one line, no terminal control in it.
        String detail = Printable.line(request.getMethod() + " " + path
                + (audited != null && audited.detail() != null ? ": " + audited.detail() : ""));
        if (detail.length() > MAX_DETAIL) {
            detail = detail.substring(0, MAX_DETAIL) + "…";
        }
        Object ip = request.getProperty(BearerAuthFilter.SOURCE_IP);
        AuditEvent event = new AuditEvent(
                0,
                trail.now(),
                actor,
                action,
                keyId,
                rotationId,
                outcome,
                status,
                ip == null ? null : ip.toString(),
                detail,
                null,
                null);
        if (denied) {
            // Counted into a per-window summary: a flood of them must neither fill Vault nor delay changes.
            trail.recordDenied(event, unauthenticated == null);
            return;
        }
        // A change waits until its event is stored; not a call that failed with 5xx (usually Vault being
        // unavailable, when storing would wait in vain).
        trail.record(event, status < 500);
    }
}
