package dev.kashierrotator.api;

import static dev.kashierrotator.testing.Api.asAdmin;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad requests get a problem+json answer naming what is wrong, and change nothing. */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class ApiErrorsTest {

    private static final String PROBLEM = "application/problem+json";

    @Test
    void oversizedBodiesAre413AndChangeNothing() {
        String before =
                asAdmin().get("/api/v1/rotations?keyId=pay-e2e&limit=1000").asString();
        asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "x".repeat(20_000)))
                .post("/api/v1/keys/pay-e2e/rotations")
                .then()
                .statusCode(413)
                .contentType(PROBLEM)
                .body("type", equalTo("urn:kashier-rotator:problem:body-too-large"))
                .body("detail", containsString("at most 16384"));
        // Streamed without a Content-Length: Quarkus' own limit ends it.
        int status = asAdmin()
                .contentType("application/json")
                .body(new java.io.ByteArrayInputStream(("{\"reason\": \"" + "y".repeat(100_000) + "\"}").getBytes()))
                .post("/api/v1/keys/pay-e2e/rotations")
                .statusCode();
        org.junit.jupiter.api.Assertions.assertEquals(413, status);
        org.junit.jupiter.api.Assertions.assertEquals(
                before,
                asAdmin().get("/api/v1/rotations?keyId=pay-e2e&limit=1000").asString());
    }

    @Test
    void wrongMethodAndMediaTypeAreProblems() {
        asAdmin().delete("/api/v1/keys/pay-e2e").then().statusCode(405).contentType(PROBLEM);
        asAdmin()
                .contentType("text/plain")
                .body("reason=x")
                .post("/api/v1/keys/pay-e2e/rotations")
                .then()
                .statusCode(415)
                .contentType(PROBLEM);
        asAdmin()
                .accept("application/xml")
                .get("/api/v1/keys")
                .then()
                .statusCode(406)
                .contentType(PROBLEM);
    }

    @Test
    void missingReasonIsRejectedNamingTheField() {
        asAdmin()
                .contentType("application/json")
                .body(Map.of("dryRun", false))
                .post("/api/v1/keys/pay-e2e/rotations")
                .then()
                .statusCode(400)
                .contentType(PROBLEM)
                .body("status", equalTo(400))
                .body("title", equalTo("Invalid request"))
                .body("errors[0].field", equalTo("reason"))
                .body("detail", startsWith("reason: required"));
    }

    @Test
    void blankReasonIsRejected() {
        asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "   "))
                .post("/api/v1/keys/pay-e2e/rotations")
                .then()
                .statusCode(400)
                .contentType(PROBLEM)
                .body("errors[0].field", equalTo("reason"));
    }

    @Test
    void aReasonHoldingAKeyIsRefusedAndNothingStarts() {
        String pasted = "0123456789abcdef0123456789abcdef$" + "ab".repeat(48);
        asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "rotating " + pasted))
                .post("/api/v1/keys/pay-e2e/rotations")
                .then()
                .statusCode(400)
                .contentType(PROBLEM)
                .body("errors[0].field", equalTo("reason"))
                .body("detail", containsString("never put a key in it"))
                .body(org.hamcrest.Matchers.not(containsString(pasted)));
        asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "x", "dryRun", true, "emergency", false))
                .post("/api/v1/keys/pay-e2e/rotations")
                .then()
                .statusCode(200);
    }

    @Test
    void aReasonWithATerminalEscapeIsRefusedForRotationsAndPauses() {
        // Edges review M7: a pause reason reached kkr and the readiness check with its escape sequences raw.
        String planted = "tester pause \u001b[2K\u001b[1Aall good";
        for (Map.Entry<String, Map<String, Object>> call : Map.<String, Map<String, Object>>of(
                        "/api/v1/keys/pay-e2e/rotations", Map.of("reason", planted, "dryRun", true),
                        "/api/v1/schedule/pause", Map.of("reason", planted, "for", "1h"))
                .entrySet()) {
            asAdmin()
                    .contentType("application/json")
                    .body(call.getValue())
                    .post(call.getKey())
                    .then()
                    .statusCode(400)
                    .contentType(PROBLEM)
                    .body("errors[0].field", equalTo("reason"))
                    .body("detail", containsString("control character"));
        }
        asAdmin().get("/api/v1/schedule").then().body("paused", equalTo(false));
    }

    @Test
    void malformedJsonIsRejected() {
        asAdmin()
                .contentType("application/json")
                .body("{\"reason\": \"oops\",")
                .post("/api/v1/keys/pay-e2e/rotations")
                .then()
                .statusCode(400)
                .contentType(PROBLEM)
                .body("errors[0].field", equalTo("body"))
                .body("detail", containsString("not valid JSON"));
    }

    @Test
    void unknownFieldIsRejectedNamingIt() {
        asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "x", "force", true))
                .post("/api/v1/keys/pay-e2e/rotations")
                .then()
                .statusCode(400)
                .contentType(PROBLEM)
                .body("errors[0].field", equalTo("force"))
                .body("detail", containsString("reason"));
    }

    @Test
    void wrongTypeIsRejectedNamingTheField() {
        asAdmin()
                .contentType("application/json")
                .body("{\"reason\": \"x\", \"dryRun\": \"maybe\"}")
                .post("/api/v1/keys/pay-e2e/rotations")
                .then()
                .statusCode(400)
                .contentType(PROBLEM)
                .body("errors[0].field", equalTo("dryRun"));
    }

    @Test
    void emptyBodyIsRejected() {
        asAdmin()
                .contentType("application/json")
                .post("/api/v1/keys/pay-e2e/rotations")
                .then()
                .statusCode(400)
                .contentType(PROBLEM)
                .body("errors[0].field", equalTo("body"));
    }

    @Test
    void unknownKeyIs404() {
        asAdmin()
                .get("/api/v1/keys/no-such-key")
                .then()
                .statusCode(404)
                .contentType(PROBLEM)
                .body("detail", containsString("no-such-key"));
        asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "x"))
                .post("/api/v1/keys/no-such-key/rotations")
                .then()
                .statusCode(404)
                .contentType(PROBLEM);
        asAdmin()
                .get("/api/v1/rotations/rot-20000101T000000Z-000000")
                .then()
                .statusCode(404)
                .contentType(PROBLEM);
        asAdmin()
                .get("/api/v1/rotations/..%2Fclaims%2Fpay-e2e")
                .then()
                .statusCode(404)
                .contentType(PROBLEM);
    }

    @Test
    void badListFiltersAreRejected() {
        asAdmin().get("/api/v1/rotations?state=DONE").then().statusCode(400).body("errors[0].field", equalTo("state"));
        asAdmin().get("/api/v1/rotations?limit=0").then().statusCode(400).body("errors[0].field", equalTo("limit"));
        asAdmin().get("/api/v1/rotations?keyId=nope").then().statusCode(400).body("errors[0].field", equalTo("keyId"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/api/v1/keys",
                "/api/v1/keys/pay-e2e",
                "/api/v1/rotations",
                "/api/v1/rotations/rot-x",
                "/api/v1/nothing-here",
                "/api"
            })
    void everyApiCallNeedsAToken(String path) {
        given().get(path).then().statusCode(401).contentType(PROBLEM).header("WWW-Authenticate", startsWith("Bearer"));
        given().header("Authorization", "Bearer not-the-token")
                .get(path)
                .then()
                .statusCode(401)
                .contentType(PROBLEM)
                .body("detail", equalTo("invalid bearer token"));
        given().header("Authorization", "Basic dXNlcjpwYXNz").get(path).then().statusCode(401);
    }

    @Test
    void rotationWithoutTokenChangesNothing() {
        given().contentType("application/json")
                .body(Map.of("reason", "x"))
                .post("/api/v1/keys/pay-conflict/rotations")
                .then()
                .statusCode(401);
        given().header("Authorization", "Bearer wrong")
                .contentType("application/json")
                .body(Map.of("reason", "x"))
                .post("/api/v1/keys/pay-conflict/rotations")
                .then()
                .statusCode(401);
    }

    @Test
    void secondRotationOfARunningKeyIs409NamingTheRunningOne() {
        // pay-conflict has a one-hour grace: its first rotation stays RUNNING for the whole test run.
        String first = asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "first"))
                .post("/api/v1/keys/pay-conflict/rotations")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "second"))
                .post("/api/v1/keys/pay-conflict/rotations")
                .then()
                .statusCode(409)
                .contentType(PROBLEM)
                .body("rotationId", equalTo(first))
                .body("detail", containsString(first));
        asAdmin().get("/api/v1/keys/pay-conflict").then().body("rotationInProgress", equalTo(true));
    }

    @Test
    void simulatorNeedsNoBearerButKashierAuth() {
        given().get("/sim/kashier/test/payments/orders/1")
                .then()
                .statusCode(401)
                .body("status", equalTo("FAILURE"));
        given().get("/sim/kashier/staging/payments/orders/1").then().statusCode(404);
    }
}
