package dev.kashierrotator.security;

import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every endpoint × each default role, a custom test-only role, no token and a wrong token, on a test
 * key and a live key. Rotation-creating calls are dry runs, so the matrix changes nothing.
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class AccessMatrixTest {

    private static final String TEST_KEY = "pay-e2e";
    private static final String LIVE_KEY = "live-secret";
    private static final List<String> CALLERS =
            List.of("viewer", "operator", "oncall", "admin", "test-operator", "none", "wrong");

    private static String liveRotation;

    /**
     * A finished live-mode rotation to look at. live-secret's Kashier API is unreachable in tests; its
     * secret key is changed first, so the new key goes out unverified and the rotation completes.
     */
    private static synchronized String liveRotation() {
        if (liveRotation == null) {
            liveRotation = rotate(LIVE_KEY, "access matrix");
            awaitState(liveRotation, "COMPLETED", 60);
        }
        return liveRotation;
    }

    private static RequestSpecification as(String caller) {
        return switch (caller) {
            case "none" -> given();
            case "wrong" -> given().header("Authorization", "Bearer not-a-token");
            default -> given().header("Authorization", "Bearer " + caller + "-token");
        };
    }

    /** Expected status per caller, in the order of {@link #CALLERS}. */
    private static void expect(
            String call,
            List<Integer> expected,
            java.util.function.Function<RequestSpecification, io.restassured.response.Response> request) {
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < CALLERS.size(); i++) {
            int status = request.apply(as(CALLERS.get(i))).statusCode();
            if (status != expected.get(i)) {
                wrong.add(CALLERS.get(i) + " got " + status + " not " + expected.get(i));
            }
        }
        assertTrue(wrong.isEmpty(), call + ": " + wrong);
    }

    private static Map<String, Object> dryRun(boolean emergency) {
        return Map.of("reason", "matrix", "dryRun", true, "emergency", emergency);
    }

    @Test
    void theMatrix() {
        String liveRotation = liveRotation();
        //                                   viewer operator oncall admin test-op none wrong
        expect("GET keys", List.of(200, 200, 200, 200, 200, 401, 401), r -> r.get("/api/v1/keys"));
        expect("GET schedule", List.of(200, 200, 200, 200, 200, 401, 401), r -> r.get("/api/v1/schedule"));
        // Without an expiry: who may pause gets 400 (the body is checked after the permission), nothing changes.
        expect(
                "pause schedule",
                List.of(403, 400, 400, 400, 403, 401, 401),
                r -> r.contentType("application/json")
                        .body(Map.of("reason", "matrix"))
                        .post("/api/v1/schedule/pause"));
        expect("GET test key", List.of(200, 200, 200, 200, 200, 401, 401), r -> r.get("/api/v1/keys/" + TEST_KEY));
        expect("GET live key", List.of(200, 200, 200, 200, 403, 401, 401), r -> r.get("/api/v1/keys/" + LIVE_KEY));
        expect(
                "rotate test key",
                List.of(403, 200, 200, 200, 200, 401, 401),
                r -> r.contentType("application/json")
                        .body(dryRun(false))
                        .post("/api/v1/keys/" + TEST_KEY + "/rotations"));
        expect(
                "rotate live key",
                List.of(403, 200, 200, 200, 403, 401, 401),
                r -> r.contentType("application/json")
                        .body(dryRun(false))
                        .post("/api/v1/keys/" + LIVE_KEY + "/rotations"));
        expect(
                "emergency test key",
                List.of(403, 403, 200, 200, 403, 401, 401),
                r -> r.contentType("application/json")
                        .body(dryRun(true))
                        .post("/api/v1/keys/" + TEST_KEY + "/rotations"));
        expect(
                "emergency live key",
                List.of(403, 403, 200, 200, 403, 401, 401),
                r -> r.contentType("application/json")
                        .body(dryRun(true))
                        .post("/api/v1/keys/" + LIVE_KEY + "/rotations"));
        expect("GET rotations", List.of(200, 200, 200, 200, 200, 401, 401), r -> r.get("/api/v1/rotations"));
        expect(
                "GET live rotations",
                List.of(200, 200, 200, 200, 403, 401, 401),
                r -> r.get("/api/v1/rotations?keyId=" + LIVE_KEY));
        expect(
                "GET live rotation",
                List.of(200, 200, 200, 200, 403, 401, 401),
                r -> r.get("/api/v1/rotations/" + liveRotation));
        // Permission granted: 409 (it is finished). Permission missing: 403.
        expect(
                "confirm live rotation",
                List.of(403, 409, 409, 409, 403, 401, 401),
                r -> r.contentType("application/json")
                        .body("{}")
                        .post("/api/v1/rotations/" + liveRotation + "/confirm"));
        expect(
                "abort live rotation",
                List.of(403, 409, 409, 409, 403, 401, 401),
                r -> r.contentType("application/json").body("{}").post("/api/v1/rotations/" + liveRotation + "/abort"));
        expect("whoami", List.of(200, 200, 200, 200, 200, 401, 401), r -> r.get("/api/v1/whoami"));
        // No key-id oracle (finding 27): the permission is checked first, and a mode-limited role cannot tell
        // a key of another mode from one that does not exist.
        expect("GET unknown key", List.of(404, 404, 404, 404, 403, 401, 401), r -> r.get("/api/v1/keys/no-such-key"));
        expect(
                "rotate unknown key",
                List.of(403, 404, 404, 404, 403, 401, 401),
                r -> r.contentType("application/json").body(dryRun(false)).post("/api/v1/keys/no-such-key/rotations"));
    }

    @Test
    void pausingTheScheduleIsALiveModePermission() {
        // A pause holds the scheduled rotations of every key, live ones included: a role limited to test keys
        // may not take it, even with schedule:pause (edges review M2).
        for (Map.Entry<String, Map<String, String>> call : Map.of(
                        "pause", Map.of("reason", "tester pause", "for", "1h"),
                        "resume", Map.of("reason", "tester resume"))
                .entrySet()) {
            String detail = as("test-pauser")
                    .contentType("application/json")
                    .body(call.getValue())
                    .post("/api/v1/schedule/" + call.getKey())
                    .then()
                    .statusCode(403)
                    .extract()
                    .path("detail");
            assertTrue(detail.contains("every mode") && detail.contains("limited to [test]"), detail);
        }
        assertEquals(Boolean.FALSE, as("admin").get("/api/v1/schedule").path("paused"), "nothing was paused");
    }

    @Test
    void aRotationRecordWithoutAValidModeIsJudgedByItsKeysModeInTheInventory() {
        // As an older version or a hand edit might have left it: a live key's rotation with no mode.
        String record = dev.kashierrotator.testing.OpenBao.get()
                .api("GET", "secret/data/kashier-rotator/rotations/" + liveRotation(), null);
        String json = io.restassured.path.json.JsonPath.from(record)
                .getString("data.data.record")
                .replaceAll("\"mode\":\"live\"", "\"mode\":\"\"");
        String id = "rot-20000101T000000000Z-0dd0dd";
        json = json.replaceAll("\"id\":\"rot-[^\"]+\"", "\"id\":\"" + id + "\"");
        dev.kashierrotator.testing.OpenBao.get()
                .api(
                        "POST",
                        "secret/data/kashier-rotator/rotations/" + id,
                        "{\"data\": {\"record\": " + new com.fasterxml.jackson.databind.node.TextNode(json) + "}}");
        as("test-operator").get("/api/v1/rotations/" + id).then().statusCode(403);
        as("viewer").get("/api/v1/rotations/" + id).then().statusCode(200);
    }

    @Test
    void aTestOnlyRoleSeesOnlyTestKeysAndRotationsInLists() {
        liveRotation();
        List<String> modes = as("test-operator")
                .get("/api/v1/keys")
                .then()
                .statusCode(200)
                .extract()
                .path("mode");
        assertFalse(modes.isEmpty());
        assertTrue(modes.stream().allMatch("test"::equals), "no live key in its list: " + modes);
        List<String> rotationModes = as("test-operator")
                .get("/api/v1/rotations?limit=1000")
                .then()
                .statusCode(200)
                .extract()
                .path("mode");
        assertTrue(rotationModes.stream().allMatch("test"::equals));
        List<String> adminModes =
                as("admin").get("/api/v1/rotations?limit=1000").then().extract().path("mode");
        assertTrue(adminModes.contains("live"), "the admin does see the live rotation");
    }

    @Test
    void whoamiTellsRolePermissionsAndModes() {
        as("test-operator")
                .get("/api/v1/whoami")
                .then()
                .statusCode(200)
                .body("subject", equalTo("ci-smoke"))
                .body("role", equalTo("test-operator"))
                .body("permissions", equalTo(List.of("keys:read", "rotations:create", "rotations:read")))
                .body("modes", equalTo(List.of("test")));
        as("oncall")
                .get("/api/v1/whoami")
                .then()
                .body("role", equalTo("oncall"))
                .body("modes", equalTo(List.of("live", "test")));
        List<String> adminPermissions = as("admin").get("/api/v1/whoami").path("permissions");
        assertEquals(8, adminPermissions.size());
        assertTrue(adminPermissions.contains("schedule:pause"), adminPermissions.toString());
    }
}
