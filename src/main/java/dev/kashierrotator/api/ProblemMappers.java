package dev.kashierrotator.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.kashierrotator.events.RotationFeed;
import dev.kashierrotator.problem.Problem;
import dev.kashierrotator.problem.ProblemException;
import dev.kashierrotator.rotation.RotationException;
import dev.kashierrotator.vault.VaultUnavailableException;
import io.quarkus.logging.Log;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.stream.Collectors;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every error of the API is {@code application/problem+json}. Messages come from our own exceptions,
 * which never hold key values; unexpected exceptions answer a generic 500 and are logged by class only.
 */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return e.problem().toResponse();
    }

    @ServerExceptionMapper
    public Response rotation(RotationException e) {
        // The domain says why; the status is the API's choice.
        int status = switch (e.refusal()) {
            case UNKNOWN -> 404;
            case CONFLICT -> 409;
            case INVALID -> 400;
            case UNPROCESSABLE -> 422;
        };
        if (e.field() != null) {
            Problem invalid = Problem.invalid(e.field(), e.getMessage());
            return new Problem(invalid.type(), e.title(), status, invalid.detail(), invalid.errors(), e.rotationId())
                    .toResponse();
        }
        String slug = switch (e.refusal()) {
            case UNKNOWN -> "not-found";
            case CONFLICT -> "conflict";
            default -> "rotation";
        };
        Problem p = Problem.of(status, slug, e.title(), e.getMessage());
        return (e.rotationId() == null ? p : p.withRotation(e.rotationId())).toResponse();
    }

    @ServerExceptionMapper
    public Response tooManyStreams(RotationFeed.TooManyStreams e) {
        Problem p = e.perCaller()
                ? Problem.of(429, "too-many-streams", "Too many event streams", e.getMessage())
                : Problem.of(503, "too-many-streams", "Too many event streams", e.getMessage());
        return Response.fromResponse(p.toResponse()).header("Retry-After", "5").build();
    }

    @ServerExceptionMapper
    public Response vault(VaultUnavailableException e) {
        return Problem.of(503, "vault-unavailable", "Vault unavailable", e.getMessage())
                .toResponse();
    }

    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e) {
        return Problem.invalid(
                        e.getPropertyName(),
                        "unknown field; expected one of "
                                + e.getKnownPropertyIds().stream()
                                        .map(Object::toString)
                                        .sorted()
                                        .collect(Collectors.joining(", ")))
                .toResponse();
    }

    @ServerExceptionMapper
    public Response parse(JsonParseException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response mismatch(MismatchedInputException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            String field = m.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining("."));
            return Problem.invalid(field, "has the wrong type").toResponse();
        }
        String where = e.getLocation() == null
                ? ""
                : " at line " + e.getLocation().getLineNr() + ", column "
                        + e.getLocation().getColumnNr();
        return Problem.invalid("body", "is not valid JSON" + where).toResponse();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        if (e.getCause() instanceof JsonProcessingException cause) {
            // The JSON reader wraps what Jackson said; answer with the field it names.
            return json(cause);
        }
        int status = e.getResponse().getStatus();
        String title = Response.Status.fromStatusCode(status) == null
                ? "Error"
                : Response.Status.fromStatusCode(status).getReasonPhrase();
        return Problem.of(
                        status,
                        title.toLowerCase().replace(' ', '-'),
                        title,
                        status == 404 ? "no such resource" : title)
                .toResponse();
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        Log.errorf("unexpected error answering a request: %s", e.getClass().getName());
        return Problem.of(500, "internal", "Internal error", "the service failed to answer; see its log")
                .toResponse();
    }
}
