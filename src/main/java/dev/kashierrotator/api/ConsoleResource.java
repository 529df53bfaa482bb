package dev.kashierrotator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.config.RotatorConfig;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * The web console (docs/console.md): three files served on the API's listener, so the same TLS and the
 * same https-only rule hold, under a Content-Security-Policy that allows nothing but these files and calls
 * to this service: no inline script or style, nothing from another origin, no framing. The console holds
 * the caller's token in the tab's memory only and calls {@code /api} with it.
 */
@Path("/console")
public class ConsoleResource {

    private final String csp;
    private final byte[] config;

    public ConsoleResource(RotatorConfig settings, ObjectMapper json) throws JsonProcessingException {
        RotatorConfig.ConsoleOidc oidc = settings.console().oidc();
        Map<String, Object> c = new LinkedHashMap<>();
        if (oidc.authorizationEndpoint().isPresent()
                && oidc.tokenEndpoint().isPresent()
                && oidc.clientId().isPresent()) {
            Map<String, String> o = new LinkedHashMap<>();
            o.put("authorizationEndpoint", oidc.authorizationEndpoint().get());
            o.put("tokenEndpoint", oidc.tokenEndpoint().get());
            o.put("clientId", oidc.clientId().get());
            o.put("scope", oidc.scope());
            o.put("name", oidc.name());
            c.put("oidc", o);
            // The token endpoint is the one other origin the page may call (the code for a token, with PKCE).
            URI token = URI.create(oidc.tokenEndpoint().get());
            String origin = token.getScheme() + "://" + token.getRawAuthority();
            this.csp = CSP.replace("connect-src 'self';", "connect-src 'self' " + origin + ";");
        } else {
            c.put("oidc", null);
            this.csp = CSP;
        }
        this.config = json.writeValueAsBytes(c);
    }

    /** The only files: name to media type. */
    private static final Map<String, String> FILES = Map.of(
            "console.js", "text/javascript; charset=utf-8",
            "console.css", "text/css; charset=utf-8",
            "favicon.svg", "image/svg+xml");

    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    @GET
    @Operation(hidden = true)
    public Response index() {
        return file("index.html", "text/html; charset=utf-8");
    }

    /** What the page needs to know: how to sign in through the provider, if it may. */
    @GET
    @Path("/config.json")
    @Operation(hidden = true)
    public Response config() {
        return headers(Response.ok(config, "application/json")).build();
    }

    @GET
    @Path("/{file}")
    @Operation(hidden = true)
    public Response asset(@PathParam("file") String name) {
        String type = FILES.get(name);
        if (type == null) {
            throw new NotFoundException();
        }
        return file(name, type);
    }

    private Response file(String name, String type) {
        byte[] body;
        try (InputStream in = ConsoleResource.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                throw new NotFoundException();
            }
            body = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return headers(Response.ok(body, type)).build();
    }

    private Response.ResponseBuilder headers(Response.ResponseBuilder r) {
        return r.header("Content-Security-Policy", csp)
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .header("Cross-Origin-Opener-Policy", "same-origin")
                .header("Cross-Origin-Resource-Policy", "same-origin")
                .header("Permissions-Policy", "camera=(), microphone=(), geolocation=(), clipboard-read=()")
                .header("Cache-Control", "no-store");
    }
}
