package dev.kashierrotator.rotation;

import static dev.kashierrotator.testing.Api.asAdmin;
import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.sim.KashierSimulator;
import dev.kashierrotator.testing.CrashingHooks;
import dev.kashierrotator.testing.Dependents;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Races and half-failures that must never leave a dependent on a dead key: an abort landing just before
 * an expiry, a Vault blip while a rollout records its progress, deliveries applied but answered too late,
 * and a rollback that does not take.
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class EngineRacesTest {

    private static final String MID = "MID-2000-002";

    @Inject
    CrashingHooks hooks;

    @Inject
    KeyStore keys;

    @Inject
    KashierSimulator kashier;

    @Test
    void anAbortLandingJustBeforeARevokeFirstExpiryIsHonouredAndNoKeyDies() {
        StoredKey old = keys.current("race-pay").orElseThrow();
        hooks.onceBeforeRecorded(
                "race-pay", "EXPIRE_OLD_KEY", r -> abort(r.id()).then().statusCode(202));
        String id = asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "leaked", "emergency", true, "order", "revoke-first"))
                .post("/api/v1/keys/race-pay/rotations")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        Response done = awaitState(id, "ABORTED", 30);
        done.then().body("steps.find { it.name == 'EXPIRE_OLD_KEY' }.state", equalTo("SKIPPED"));
        assertTrue(kashier.authenticatesPaymentKey(Mode.TEST, MID, old.fingerprint()), "the old key still works");
        assertEquals(old.fingerprint(), keys.current("race-pay").orElseThrow().fingerprint());
        assertTrue(keys.pending("race-pay", id).isEmpty());
    }

    @Test
    void anAbortLandingJustBeforeTheLastExpiryRollsBackInsteadOfBeingIgnored() {
        StoredKey old = keys.current("race-pay").orElseThrow();
        hooks.onceBeforeRecorded(
                "race-pay", "EXPIRE_OLD_KEY", r -> abort(r.id()).then().statusCode(202));
        String id = rotate("race-pay", "routine");
        awaitState(id, "ABORTED", 30);
        assertTrue(kashier.authenticatesPaymentKey(Mode.TEST, MID, old.fingerprint()), "the old key still works");
        assertEquals(
                old.fingerprint(),
                Dependents.get("race-hook").fingerprint("race-pay").orElseThrow(),
                "the dependent is back on the old key");
    }

    @Test
    void aVaultBlipWhileRecordingRolloutProgressDoesNotRollBackAHealthyRotation() {
        hooks.failNextProgressSave("blip-pay");
        Response done = awaitState(rotate("blip-pay", "blip"), "COMPLETED", 30);
        assertEquals(
                done.<String>path("newFingerprint"),
                Dependents.get("blip-later").fingerprint("blip-pay").orElseThrow());
    }

    @Test
    void aDeliveryAppliedButAnsweredTooLateIsCountedAndRolledBack() {
        String id = rotate("late-pay", "late answers");
        Response done = awaitState(id, "ROLLED_BACK", 60);
        done.then()
                .body("error", containsString("late-broken"))
                .body("waves[0].dependents.find { it.id == 'late-hook' }.state", equalTo("ROLLED_BACK"));
        Optional<String> held = Dependents.get("late-hook").fingerprint("late-pay");
        assertTrue(
                held.isPresent() && kashier.authenticatesPaymentKey(Mode.TEST, MID, held.get()),
                "late-hook holds a key Kashier accepts");
    }

    @Test
    void aRollbackThatDoesNotTakeKeepsTheNewKeyActive() {
        StoredKey old = keys.current("stuck-pay").orElseThrow();
        String id = rotate("stuck-pay", "rollback will not take");
        Response done = awaitState(id, "ROLLED_BACK", 60);
        String fresh = done.path("newFingerprint");
        done.then()
                .body("error", containsString("rollback incomplete for stuck-hook"))
                .body("steps.find { it.name == 'ROLL_BACK' }.detail", containsString("stays active"));
        assertEquals(
                fresh, Dependents.get("stuck-hook").fingerprint("stuck-pay").orElseThrow());
        assertTrue(kashier.authenticatesPaymentKey(Mode.TEST, MID, fresh), "the new key it still uses works");
        assertTrue(kashier.authenticatesPaymentKey(Mode.TEST, MID, old.fingerprint()), "and so does the old one");
    }

    private static Response abort(String id) {
        return asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "changed my mind"))
                .post("/api/v1/rotations/{id}/abort", id);
    }
}
