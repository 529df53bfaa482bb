package dev.kashierrotator.testing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;

/** Small helpers over REST Assured for calling the service as an operator would. */
public final class Api {

    private Api() {}

    /**
     * A request to the management interface (health and metrics), which has its own port: {@code
     * quarkus.management.test-port} under test.
     */
    public static RequestSpecification management() {
        return given().port(managementPort());
    }

    /** The management interface's port under test. */
    public static int managementPort() {
        return org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("quarkus.management.test-port", Integer.class)
                .orElse(8082);
    }

    /** A request carrying the bootstrap token. */
    public static RequestSpecification asAdmin() {
        return given().header("Authorization", "Bearer " + RotatorTestResource.TOKEN);
    }

    /** Starts a rotation and answers its id (asserting 202). */
    public static String rotate(String keyId, String reason) {
        return asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", reason))
                .post("/api/v1/keys/{keyId}/rotations", keyId)
                .then()
                .statusCode(202)
                .extract()
                .path("id");
    }

    public static Response rotation(String id) {
        return asAdmin().get("/api/v1/rotations/{id}", id);
    }

    /**
     * Polls the rotation until the condition holds, for at most {@code seconds}: at once, then every 50 ms (a
     * rotation on the simulator ends in tens of milliseconds; a first look only after 100 ms, Awaitility's
     * default, cost the suite that much per wait).
     */
    public static Response awaitRotation(String id, int seconds, Predicate<Response> condition) {
        Response[] last = new Response[1];
        await().atMost(Duration.ofSeconds(seconds))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    last[0] = rotation(id);
                    return last[0].statusCode() == 200 && condition.test(last[0]);
                });
        return last[0];
    }

    /** Polls until the rotation is in that state. */
    public static Response awaitState(String id, String state, int seconds) {
        return awaitRotation(id, seconds, r -> state.equals(r.path("state")));
    }
}
