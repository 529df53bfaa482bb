package dev.kashierrotator.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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

    private static Response file(String name, String type) {
        byte[] body;
        try (InputStream in = ConsoleResource.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                throw new NotFoundException();
            }
            body = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Response.ok(body, type)
                .header("Content-Security-Policy", CSP)
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .header("Cross-Origin-Opener-Policy", "same-origin")
                .header("Cross-Origin-Resource-Policy", "same-origin")
                .header("Permissions-Policy", "camera=(), microphone=(), geolocation=(), clipboard-read=()")
                .header("Cache-Control", "no-store")
                .build();
    }
}
