package dev.kashierrotator.rotation;

import static dev.kashierrotator.testing.Api.asAdmin;
import static dev.kashierrotator.testing.Api.awaitRotation;
import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.sim.DemoDependent;
import dev.kashierrotator.sim.KashierSimulator;
import dev.kashierrotator.testing.Dependents;
import dev.kashierrotator.testing.RotatorTestResource;
import dev.kashierrotator.vault.VaultKv;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Whole rotations against real OpenBao, the simulator and real webhook dependents, watched through
 * the API the way an operator would.
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class RotationEndToEndTest {

    @Inject
    KeyStore keys;

    @Inject
    KashierSimulator simulator;

    @Inject
    VaultKv kv;

    @Test
    void paymentKeyRotatesThroughWavesAndExpiresOldKeyAfterGrace() {
        StoredKey old = keys.current("pay-e2e").orElseThrow();
        assertTrue(old.kashierKeyId().isPresent(), "the seeded key has a dashboard id");

        Response accepted = asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "quarterly rotation"))
                .post("/api/v1/keys/pay-e2e/rotations");
        accepted.then()
                .statusCode(202)
                .header("Location", "/api/v1/rotations/" + accepted.path("id"))
                .body("keyId", equalTo("pay-e2e"))
                .body("trigger", equalTo("manual"))
                .body("requestedBy", equalTo("bootstrap"))
                .body("oldFingerprint", equalTo(old.fingerprint()));
        String id = accepted.path("id");

        // During grace: everything switched, Vault promoted, the old key still valid at Kashier.
        Response inGrace = awaitRotation(
                id, 30, r -> "RUNNING".equals(stepState(r, "GRACE")) || "COMPLETED".equals(r.path("state")));
        String fresh = inGrace.path("newFingerprint");
        assertNotEquals(old.fingerprint(), fresh);
        StoredKey current = keys.current("pay-e2e").orElseThrow();
        assertEquals(fresh, current.fingerprint(), "Vault's latest version holds the new key");
        assertEquals(old.version() + 1, current.version());
        assertEquals(
                old.fingerprint(),
                keys.version("pay-e2e", old.version()).orElseThrow().fingerprint(),
                "the version before holds the previous key");
        if ("RUNNING".equals(inGrace.path("state"))) {
            assertTrue(active(old.fingerprint()), "previous key stays valid during grace");
        }

        DemoDependent canary = Dependents.get("canary");
        DemoDependent fleet = Dependents.get("fleet-hook");
        for (DemoDependent d : List.of(canary, fleet)) {
            List<DemoDependent.Received> got = d.received().stream()
                    .filter(x -> x.keyId().equals("pay-e2e"))
                    .toList();
            assertFalse(got.isEmpty(), d.name() + " received the rotation");
            assertTrue(got.stream().allMatch(DemoDependent.Received::signatureValid), d.name() + " checked the HMAC");
            assertEquals(fresh, d.fingerprint("pay-e2e").orElseThrow(), d.name() + " uses the new key");
        }
        assertEquals(
                old.fingerprint(),
                canary.previousFingerprint("pay-e2e").orElseThrow(),
                "inline delivery carries the previous key for the grace period");
        Map<String, String> kvCopy = kv.read("apps/fleet/pay-e2e").orElseThrow().data();
        assertEquals(fresh, kvCopy.get("fingerprint"));
        assertTrue(kvCopy.containsKey("previousKey"), "vault-kv copy keeps the previous key during grace");

        Response done = awaitState(id, "COMPLETED", 30);
        assertFalse(active(old.fingerprint()), "previous key is inactive after grace");
        assertTrue(active(current.fingerprint()));
        done.then()
                .body("steps.state", everyItemIs("DONE"))
                .body(
                        "steps.name",
                        equalTo(List.of(
                                "ISSUE_NEW_KEY",
                                "VERIFY_NEW_KEY",
                                "STAGE_PENDING",
                                "ROLLOUT",
                                "PROMOTE",
                                "GRACE",
                                "EXPIRE_OLD_KEY")))
                .body("waves.index", equalTo(List.of(0, 1)))
                .body("waves.state", everyItemIs("DONE"))
                .body("waves[0].dependents.id", equalTo(List.of("canary")))
                .body("waves[1].dependents.id", hasItems("fleet-hook", "fleet-kv"))
                .body("waves[1].dependents.state", everyItemIs("CONFIRMED"));

        Instant canaryDone = Instant.parse(done.path("waves[0].dependents[0].confirmedAt"));
        List<String> wave1Done = done.path("waves[1].dependents.confirmedAt");
        assertTrue(
                wave1Done.stream().map(Instant::parse).allMatch(t -> !t.isBefore(canaryDone)),
                "wave 1 confirmed only after the canary");
        Instant expired = Instant.parse(done.path("oldKeyExpiredAt"));
        Instant promoted = Instant.parse(stepEnd(done, "PROMOTE"));
        assertTrue(!expired.isBefore(promoted), "the old key expired only after the new one was promoted");
    }

    @Test
    void secretKeyRotationKillsOldKeyAndRecordsExposureWindow() {
        StoredKey old = keys.current("secret-e2e").orElseThrow();
        assertEquals(404, probe("test", old.value()), "the seeded key works before the rotation");

        String id = rotate("secret-e2e", "suspected leak in CI logs");
        Response done = awaitState(id, "COMPLETED", 30);
        done.then()
                .body("steps.name", equalTo(List.of("CHANGE_SECRET_KEY", "VERIFY_NEW_KEY", "STORE_NEW_KEY", "ROLLOUT")))
                .body("steps.state", everyItemIs("DONE"))
                .body("exposureWindowMs", notNullValue())
                .body("waves.state", everyItemIs("DONE"));
        long exposure = ((Number) done.path("exposureWindowMs")).longValue();
        assertTrue(exposure >= 0 && exposure < 30_000, "exposure window is measured");

        StoredKey current = keys.current("secret-e2e").orElseThrow();
        assertEquals(done.path("newFingerprint"), current.fingerprint());
        assertEquals(401, probe("test", old.value()), "Kashier rejects the old secret key at once");
        assertEquals(404, probe("test", current.value()), "Kashier accepts the new one");
        assertEquals(401, probe("live", current.value()), "a test key is useless in live mode");
        for (String d : List.of("canary", "fleet-hook")) {
            assertEquals(
                    current.fingerprint(),
                    Dependents.get(d).fingerprint("secret-e2e").orElseThrow(),
                    d);
        }
        assertEquals(
                current.fingerprint(),
                kv.read("apps/fleet/secret-e2e").orElseThrow().data().get("fingerprint"));
    }

    @Test
    void failingCanaryRollsBackBeforeLaterWavesAndKeepsOldKey() {
        StoredKey old = keys.current("pay-canary-fails").orElseThrow();
        String id = rotate("pay-canary-fails", "routine");
        Response failed = awaitState(id, "ROLLED_BACK", 30);
        failed.then()
                .body("steps.find { it.name == 'ROLL_BACK' }.state", equalTo("DONE"))
                .body("waves[0].dependents[0].accepted", equalTo(false))
                .body("error", org.hamcrest.Matchers.containsString("broken-canary"))
                .body("error", org.hamcrest.Matchers.containsString("HTTP 500"))
                .body("waves[0].state", equalTo("FAILED"))
                .body("waves[0].dependents[0].state", equalTo("FAILED"))
                .body("waves[0].dependents[0].attempts", equalTo(3))
                .body("waves[1].state", equalTo("SKIPPED"))
                .body("steps.find { it.name == 'EXPIRE_OLD_KEY' }.state", equalTo("SKIPPED"));
        assertTrue(Dependents.get("after-broken").received().isEmpty(), "later waves were never called");
        assertEquals(
                old.fingerprint(),
                keys.current("pay-canary-fails").orElseThrow().fingerprint(),
                "Vault still serves the old key");
        assertTrue(active(old.fingerprint()), "the old key still works at Kashier");
        assertFalse(active(failed.path("newFingerprint")), "the new key nobody took is deleted on the dashboard");
        // The key is free again for the next attempt.
        asAdmin().get("/api/v1/keys/pay-canary-fails").then().body("rotationInProgress", equalTo(false));
    }

    @Test
    void dependentRefusesDeliveryWithWrongSignature() {
        String id = rotate("pay-badsig", "routine");
        awaitState(id, "ROLLED_BACK", 30)
                .then()
                .body("error", org.hamcrest.Matchers.containsString("badsig-hook"))
                .body("error", org.hamcrest.Matchers.containsString("HTTP 401"));
        List<DemoDependent.Received> got = Dependents.get("badsig-hook").received();
        assertFalse(got.isEmpty());
        assertTrue(got.stream().noneMatch(DemoDependent.Received::signatureValid));
    }

    @Test
    void dryRunAnswersThePlanAndChangesNothing() {
        StoredKey before = keys.current("pay-e2e").orElseThrow();
        int rotations = asAdmin()
                .get("/api/v1/rotations?keyId=pay-e2e&limit=1000")
                .then()
                .extract()
                .jsonPath()
                .getList("$")
                .size();
        asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "what would happen?", "dryRun", true))
                .post("/api/v1/keys/pay-e2e/rotations")
                .then()
                .statusCode(200)
                .body("keyId", equalTo("pay-e2e"))
                .body("steps[0]", equalTo("ISSUE_NEW_KEY"))
                .body("waves.index", equalTo(List.of(0, 1)))
                .body("waves[0].dependents.id", equalTo(List.of("canary")))
                .body("allWavesAtOnce", equalTo(false));
        assertEquals(before.version(), keys.current("pay-e2e").orElseThrow().version());
        assertEquals(
                rotations,
                asAdmin()
                        .get("/api/v1/rotations?keyId=pay-e2e&limit=1000")
                        .then()
                        .extract()
                        .jsonPath()
                        .getList("$")
                        .size());
    }

    @Test
    void keysReportFingerprintAgeAndScheduleNeverValues() {
        StoredKey current = keys.current("pay-e2e").orElseThrow();
        asAdmin()
                .get("/api/v1/keys/pay-e2e")
                .then()
                .statusCode(200)
                .body("id", equalTo("pay-e2e"))
                .body("mid", equalTo("MID-1000-001"))
                .body("mode", equalTo("test"))
                .body("kind", equalTo("payment-api-key"))
                .body("fingerprint", equalTo(current.fingerprint()))
                .body("ageSeconds", notNullValue())
                .body(
                        "nextRotationAt",
                        equalTo(current.rotatedAt()
                                .plus(java.time.Duration.ofDays(90))
                                .toString()));
        asAdmin()
                .get("/api/v1/keys")
                .then()
                .statusCode(200)
                .body("id", hasItems("pay-e2e", "secret-e2e", "live-secret"));
    }

    private boolean active(String fingerprint) {
        return simulator.authenticatesPaymentKey(Mode.TEST, "MID-1000-001", fingerprint);
    }

    private static int probe(String mode, String secretKey) {
        return given().header("Authorization", secretKey)
                .get("/sim/kashier/{mode}/payments/orders/{id}", mode, "order-123")
                .statusCode();
    }

    private static String stepState(Response r, String step) {
        return r.path("steps.find { it.name == '" + step + "' }.state");
    }

    private static String stepEnd(Response r, String step) {
        return r.path("steps.find { it.name == '" + step + "' }.endedAt");
    }

    private static org.hamcrest.Matcher<Iterable<? extends String>> everyItemIs(String value) {
        return org.hamcrest.Matchers.everyItem(equalTo(value));
    }

    @Test
    void noVersionOfThePendingPathKeepsAKeyOnceARotationIsDone() {
        String id = rotate("pending-pay", "pending hygiene");
        awaitState(id, "COMPLETED", 30);
        String path = "secret/metadata/kashier/pending-pay/pending";
        io.restassured.path.json.JsonPath meta = io.restassured.path.json.JsonPath.from(
                dev.kashierrotator.testing.OpenBao.get().api("GET", path, null));
        int versions = meta.getInt("data.current_version");
        assertTrue(versions >= 3, "issued, verified, cleared: " + versions);
        for (int v = 1; v <= versions; v++) {
            assertFalse(
                    kv.read("kashier/pending-pay/pending", v)
                            .map(x -> x.data().containsKey("key"))
                            .orElse(false),
                    "version " + v + " of the pending path still holds a key (finding 19)");
        }
    }
}
