package dev.kashierrotator.security;

import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.problem.Problem;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Before anything else looks at an {@code /api} call (or a {@code /console} page): with
 * {@code rotator.security.https-only} (the production default) it must arrive over https (health and metrics stay on plain http for probes and
 * scrapers), and its body may not be larger than {@code rotator.security.max-body-bytes}. Answers over
 * https carry HSTS.
 */
public class TransportSecurityFilter {

    static final String HSTS = "max-age=31536000; includeSubDomains";

    private final boolean httpsOnly;
    private final int maxBodyBytes;

    public TransportSecurityFilter(RotatorConfig config) {
        this.httpsOnly = config.security().httpsOnly();
        this.maxBodyBytes = config.security().maxBodyBytes();
    }

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION - 100)
    public Optional<Response> check(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        boolean console = path.equals("/console") || path.startsWith("/console/");
        if (console
                && httpsOnly
                && !"https"
                        .equalsIgnoreCase(request.getUriInfo().getRequestUri().getScheme())) {
            // A token is typed into the console: never over plain http.
            return Optional.of(Problem.of(
                            403,
                            "https-required",
                            "HTTPS required",
                            "the console is served only over https (rotator.security.https-only)")
                    .toResponse());
        }
        if (!BearerAuthFilter.isApi(request)) {
            return Optional.empty();
        }
        if (httpsOnly
                && !"https"
                        .equalsIgnoreCase(request.getUriInfo().getRequestUri().getScheme())) {
            request.setProperty(BearerAuthFilter.UNAUTHENTICATED, "plain-http");
            return Optional.of(Problem.of(
                            403,
                            "https-required",
                            "HTTPS required",
                            "the API answers only over "
                                    + "https (rotator.security.https-only); health and metrics stay on plain http")
                    .toResponse());
        }
        String length = request.getHeaderString("Content-Length");
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0) {
                return Optional.of(Problem.invalid("Content-Length", "must be a byte count")
                        .toResponse());
            }
            if (n > maxBodyBytes) {
                return Optional.of(Problem.of(
                                413,
                                "body-too-large",
                                "Request body too large",
                                "the body has " + n + " bytes; the API reads at most " + maxBodyBytes
                                        + " (rotator.security.max-body-bytes)")
                        .toResponse());
            }
        }
        return Optional.empty();
    }

    @ServerResponseFilter
    public void hsts(ContainerRequestContext request, ContainerResponseContext response) {
        if (httpsOnly
                && "https".equalsIgnoreCase(request.getUriInfo().getRequestUri().getScheme())) {
            response.getHeaders().putSingle("Strict-Transport-Security", HSTS);
        }
    }
}
