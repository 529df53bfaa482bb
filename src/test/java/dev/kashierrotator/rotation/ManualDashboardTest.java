package dev.kashierrotator.rotation;

import static dev.kashierrotator.testing.Api.asAdmin;
import static dev.kashierrotator.testing.Api.awaitRotation;
import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.testing.Api;
import dev.kashierrotator.testing.Dependents;
import dev.kashierrotator.testing.OpenBao;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The production dashboard step: the rotation stops at AWAITING_DASHBOARD with instructions, and a
 * person (here: the test, using the simulator as Kashier's dashboard) answers with POST /confirm.
 */
@QuarkusTest
@TestProfile(ManualDashboardTest.Manual.class)
public class ManualDashboardTest {

    private static final String MID = "MID-1000-001";

    @Inject
    KeyStore keys;

    @Test
    void paymentRotationWaitsForAPersonTwiceAndCompletes() {
        StoredKey old = keys.current("pay-e2e").orElseThrow();
        String id = rotate("pay-e2e", "quarterly, by hand");
        Response waiting = awaitState(id, "AWAITING_DASHBOARD", 30);
        String instructions = waiting.path("steps.find { it.name == 'ISSUE_NEW_KEY' }.detail");
        assertTrue(
                instructions.contains(MID)
                        && instructions.contains("test mode")
                        && instructions.contains("/api/v1/rotations/" + id + "/confirm"),
                instructions);

        confirm(id, Map.of()).then().statusCode(400).body("errors[0].field", equalTo("newKey"));
        confirm(id, Map.of("newKey", "short")).then().statusCode(400).body("errors[0].field", equalTo("newKey"));
        // Only Kashier's own shape, which the log mask also knows (finding 25).
        confirm(id, Map.of("newKey", "abcdefghijklmnopqrstuvwxyz0123456789"))
                .then()
                .statusCode(400)
                .body("detail", containsString("UUID"));
        confirm(id, Map.of("newKey", old.value())).then().statusCode(422).body("detail", containsString("replaced"));

        // The person creates the key in the dashboard and pastes it.
        String fresh = given().contentType("application/json")
                .body(Map.of("mid", MID))
                .post("/sim/kashier/test/dashboard/payment-keys")
                .then()
                .statusCode(201)
                .extract()
                .path("key");
        confirm(id, Map.of("newKey", fresh)).then().statusCode(202).body("dashboardAnsweredBy", equalTo("bootstrap"));

        // Rolled out, promoted, grace over: now the old key must be deleted by hand.
        Response deleteStep = awaitRotation(
                id,
                30,
                r -> "AWAITING_DASHBOARD".equals(r.path("state"))
                        && "RUNNING".equals(r.path("steps.find { it.name == 'EXPIRE_OLD_KEY' }.state")));
        assertTrue(
                deleteStep
                        .<String>path("steps.find { it.name == 'EXPIRE_OLD_KEY' }.detail")
                        .contains(old.fingerprint()),
                "names the key to delete by fingerprint");
        assertTrue(
                java.time.Instant.parse(deleteStep.path("awaitingDashboardSince"))
                        .isAfter(java.time.Instant.parse(deleteStep.path("dashboardAnsweredAt"))),
                "the second step waits from when it parked, not from the first step");
        assertEquals(
                Fingerprints.of(fresh), keys.current("pay-e2e").orElseThrow().fingerprint());
        assertEquals(
                Fingerprints.of(fresh),
                Dependents.get("canary").fingerprint("pay-e2e").orElseThrow());

        confirm(id, Map.of("newKey", fresh)).then().statusCode(400).body("errors[0].field", equalTo("newKey"));
        given().delete("/sim/kashier/test/dashboard/payment-keys/" + old.fingerprint() + "?mid=" + MID)
                .then()
                .statusCode(204);
        confirm(id, Map.of()).then().statusCode(202);
        awaitState(id, "COMPLETED", 30).then().body("oldKeyExpiredAt", notNullValue());
        confirm(id, Map.of()).then().statusCode(409);
    }

    @Test
    void secretKeyConfirmIsProbedAtKashierAndAWaitingStepIsReported() {
        String id = rotate("secret-e2e", "by hand");
        awaitState(id, "AWAITING_DASHBOARD", 30).then().body("steps[0].detail", containsString("user 'svc-a'"));
        // Well-formed but unknown to Kashier: refused, and the rotation keeps waiting.
        confirm(id, Map.of("newKey", "a".repeat(32) + "$" + "b".repeat(96)))
                .then()
                .statusCode(422)
                .body("errors[0].field", equalTo("newKey"))
                .body("detail", containsString("rejects"));
        asAdmin().get("/api/v1/rotations/" + id).then().body("state", equalTo("AWAITING_DASHBOARD"));

        // Left waiting past the (1 s) timeout: shown in readiness and metrics, never silently.
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(10))
                .until(() -> Api.management()
                        .get("/q/health/ready")
                        .<String>path("checks.find { it.name == 'dashboard-steps' }.data.waitingTooLong")
                        .contains(id));
        assertTrue(Api.management()
                .get("/q/metrics")
                .asString()
                .lines()
                .anyMatch(l -> l.startsWith("rotator_rotations_awaiting_dashboard_overdue") && !l.endsWith(" 0.0")));

        String changed = given().contentType("application/json")
                .body(Map.of("mid", MID))
                .post("/sim/kashier/test/dashboard/secret-keys/svc-a/change")
                .then()
                .statusCode(200)
                .extract()
                .path("key");
        confirm(id, Map.of("newKey", changed)).then().statusCode(202);
        Response done = awaitState(id, "COMPLETED", 30);
        assertEquals(Fingerprints.of(changed), done.path("newFingerprint"));
        assertFalse(Api.management()
                .get("/q/health/ready")
                .<String>path("checks.find { it.name == 'dashboard-steps' }.data.waiting")
                .contains(id));
    }

    private static Response confirm(String id, Map<String, Object> body) {
        return asAdmin().contentType("application/json").body(body).post("/api/v1/rotations/{id}/confirm", id);
    }

    /** The usual world with the production dashboard mode. */
    public static class Manual implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ManualWorld.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    /** The test world, with a person at the Kashier dashboard and a one-second patience. */
    public static class ManualWorld extends RotatorTestResource {
        @Override
        public Map<String, String> start() {
            Map<String, String> c = new HashMap<>(super.start());
            c.put("rotator.kashier.dashboard", "manual");
            c.put("rotator.kashier.manual-step-timeout", "1s");
            for (String id : List.of("man-alt", "man-alt-wrong", "man-alt-nouser")) {
                key(c, id, "second", "test", "secret-key", null);
                c.put("rotator.keys." + id + ".strategy", "alternating-users");
                c.put("rotator.keys." + id + ".users", id + "-blue," + id + "-green");
            }
            key(c, "man-pay", "second", "test", "payment-api-key", "300ms");
            key(c, "man-secret", "second", "test", "secret-key", null);
            c.put("rotator.keys.man-secret.user", "man-svc");
            key(c, "man-sched", "second", "test", "payment-api-key", "300ms");
            c.put("rotator.keys.man-sched.schedule.cron", "0 0 3 * * ?");
            List<String> manualKeys =
                    List.of("man-alt", "man-alt-wrong", "man-alt-nouser", "man-pay", "man-secret", "man-sched");
            webhook(c, "man-app", 0, manualKeys, "inline", "man-app-secret", "man-app-secret");
            webhook(c, "man-ref", 1, manualKeys, "reference", "man-ref-secret", "man-ref-secret")
                    .vaultReader((path, version) -> readVault(OpenBao.get(), path, version));
            vaultKv(c, "man-kv", 1, "apps/manual", manualKeys);
            return c;
        }
    }
}
