package dev.kashierrotator.testing;

import static io.restassured.RestAssured.given;

import io.restassured.response.Response;
import java.util.Map;

/**
 * The person at the Kashier dashboard in manual mode, doing what the instructions say: makes or deletes
 * a payment key, changes a user's secret key (in the simulator standing in for Kashier's dashboard), and
 * answers the rotation through the API.
 */
public final class Person {

    private final String mid;

    public Person(String mid) {
        this.mid = mid;
    }

    /** Makes a new payment API key in the test-mode dashboard and copies it. */
    public String makePaymentKey() {
        return given().contentType("application/json")
                .body(Map.of("mid", mid))
                .post("/sim/kashier/test/dashboard/payment-keys")
                .then()
                .statusCode(201)
                .extract()
                .path("key");
    }

    /** Changes a user's secret key in the test-mode dashboard (the old one dies at once) and copies the new one. */
    public String changeSecretKey(String user) {
        return given().contentType("application/json")
                .body(Map.of("mid", mid))
                .post("/sim/kashier/test/dashboard/secret-keys/{user}/change", user)
                .then()
                .statusCode(200)
                .extract()
                .path("key");
    }

    /** Deletes a payment key, found by its fingerprint, in the test-mode dashboard. */
    public void deletePaymentKey(String fingerprint) {
        given().delete("/sim/kashier/test/dashboard/payment-keys/" + fingerprint + "?mid=" + mid)
                .then()
                .statusCode(204);
    }

    /** Answers the step the rotation waits for. */
    public static Response confirm(String id, Map<String, Object> body) {
        return Api.asAdmin().contentType("application/json").body(body).post("/api/v1/rotations/{id}/confirm", id);
    }

    /** Asks to abort the rotation. */
    public static Response abort(String id, String reason) {
        return Api.asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", reason))
                .post("/api/v1/rotations/{id}/abort", id);
    }
}
