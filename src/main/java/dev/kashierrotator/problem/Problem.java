package dev.kashierrotator.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * An RFC 9457 problem document. {@code errors} names each offending field of a bad request;
 * {@code rotationId} names the running rotation of a 409.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(
        String type, String title, int status, String detail, List<FieldError> errors, String rotationId) {

    public static final String MEDIA_TYPE = "application/problem+json";

    /** One field of a request and what was expected of it. */
    public record FieldError(String field, String message) {}

    public static Problem of(int status, String slug, String title, String detail) {
        return new Problem("urn:kashier-rotator:problem:" + slug, title, status, detail, null, null);
    }

    public static Problem invalid(String field, String message) {
        return new Problem(
                "urn:kashier-rotator:problem:invalid-request",
                "Invalid request",
                400,
                field + ": " + message,
                List.of(new FieldError(field, message)),
                null);
    }

    public Problem withRotation(String id) {
        return new Problem(type, title, status, detail, errors, id);
    }

    public Response toResponse() {
        return Response.status(status).type(MEDIA_TYPE).entity(this).build();
    }
}
