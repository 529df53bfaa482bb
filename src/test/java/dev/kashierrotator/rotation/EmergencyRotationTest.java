package dev.kashierrotator.rotation;

import static dev.kashierrotator.testing.Api.asAdmin;
import static dev.kashierrotator.testing.Api.awaitState;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.sim.KashierSimulator;
import dev.kashierrotator.testing.Dependents;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.logging.Log;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Emergency rotations: all waves at once, no soak, no grace; push-first or revoke-first. Ten webhook
 * dependents in three waves, with a one-hour grace configured that an emergency ignores.
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class EmergencyRotationTest {

    private static final String MID = "MID-1000-001";

    @Inject
    KeyStore keys;

    @Inject
    KashierSimulator simulator;

    @Test
    void pushFirstDistributesToAllWavesAtOnceThenExpiresTheOldKeyWithoutGrace() {
        StoredKey old = keys.current("emergency-pay").orElseThrow();
        String id = emergency("emergency-pay", null);
        Response done = awaitState(id, "COMPLETED", 30);
        done.then()
                .body("trigger", equalTo("emergency"))
                .body("emergency", equalTo(true))
                .body("order", equalTo("push-first"))
                .body("graceUntil", nullValue())
                .body(
                        "steps.name",
                        equalTo(List.of(
                                "ISSUE_NEW_KEY",
                                "VERIFY_NEW_KEY",
                                "STAGE_PENDING",
                                "ROLLOUT",
                                "PROMOTE",
                                "EXPIRE_OLD_KEY")));
        assertAllWavesAtOnce(done);
        Instant expired = Instant.parse(done.path("oldKeyExpiredAt"));
        assertFalse(expired.isBefore(Instant.parse(step(done, "PROMOTE", "endedAt"))), "expired after promotion");
        assertFalse(
                simulator.authenticatesPaymentKey(Mode.TEST, MID, old.fingerprint()), "the old key is dead, no grace");
        String fresh = done.path("newFingerprint");
        for (int i = 0; i < 10; i++) {
            assertEquals(
                    fresh,
                    Dependents.get("fleet-" + i).fingerprint("emergency-pay").orElseThrow());
            assertTrue(
                    Dependents.get("fleet-" + i)
                            .previousFingerprint("emergency-pay")
                            .isEmpty(),
                    "no previous key handed out in an emergency");
        }
        long toExpired = ((Number) done.path("triggerToOldKeyExpiredMs")).longValue();
        Log.infof(
                "emergency push-first with 10 dependents: trigger to old key expired %d ms, to COMPLETED %d ms",
                toExpired,
                Duration.between(Instant.parse(done.path("createdAt")), Instant.parse(done.path("updatedAt")))
                        .toMillis());
    }

    @Test
    void revokeFirstExpiresTheOldKeyBeforeDistributing() {
        StoredKey old = keys.current("emergency-revoke").orElseThrow();
        String id = emergency("emergency-revoke", "revoke-first");
        Response done = awaitState(id, "COMPLETED", 30);
        done.then()
                .body("order", equalTo("revoke-first"))
                .body(
                        "steps.name",
                        equalTo(List.of(
                                "ISSUE_NEW_KEY",
                                "VERIFY_NEW_KEY",
                                "EXPIRE_OLD_KEY",
                                "STAGE_PENDING",
                                "ROLLOUT",
                                "PROMOTE")));
        Instant expired = Instant.parse(done.path("oldKeyExpiredAt"));
        assertTrue(
                !expired.isAfter(Instant.parse(step(done, "ROLLOUT", "startedAt"))),
                "the abused key died before any dependent was touched");
        assertFalse(simulator.authenticatesPaymentKey(Mode.TEST, MID, old.fingerprint()));
        assertAllWavesAtOnce(done);
        assertEquals(
                done.path("newFingerprint"),
                keys.current("emergency-revoke").orElseThrow().fingerprint());
        Log.infof(
                "emergency revoke-first with 10 dependents: trigger to old key expired %s ms",
                done.path("triggerToOldKeyExpiredMs").toString());
    }

    @Test
    void dryRunShowsTheEmergencyPlanAndOrderNeedsEmergency() {
        asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "plan", "dryRun", true, "emergency", true, "order", "revoke-first"))
                .post("/api/v1/keys/emergency-pay/rotations")
                .then()
                .statusCode(200)
                .body("allWavesAtOnce", equalTo(true))
                .body("soak", equalTo("0s"))
                .body("grace", nullValue())
                .body("steps[2]", equalTo("EXPIRE_OLD_KEY"));
        asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "x", "order", "revoke-first"))
                .post("/api/v1/keys/emergency-pay/rotations")
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("order"));
        asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "x", "emergency", true, "order", "later"))
                .post("/api/v1/keys/emergency-pay/rotations")
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("order"));
    }

    private static String emergency(String keyId, String order) {
        Map<String, Object> body = order == null
                ? Map.of("reason", "key leaked in a public repo", "emergency", true)
                : Map.of("reason", "key being abused", "emergency", true, "order", order);
        return asAdmin()
                .contentType("application/json")
                .body(body)
                .post("/api/v1/keys/{k}/rotations", keyId)
                .then()
                .statusCode(202)
                .extract()
                .path("id");
    }

    private static void assertAllWavesAtOnce(Response done) {
        List<String> started = done.path("waves.startedAt");
        List<String> ended = done.path("waves.endedAt");
        assertEquals(3, started.size());
        Instant firstEnd =
                ended.stream().map(Instant::parse).min(Instant::compareTo).orElseThrow();
        assertTrue(
                started.stream().map(Instant::parse).allMatch(s -> s.isBefore(firstEnd)),
                "every wave started before any wave ended: no staging, no soak");
    }

    private static String step(Response r, String name, String field) {
        return r.path("steps.find { it.name == '" + name + "' }." + field);
    }
}
