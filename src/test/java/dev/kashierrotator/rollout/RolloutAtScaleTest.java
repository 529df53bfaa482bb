package dev.kashierrotator.rollout;

import static dev.kashierrotator.testing.Api.asAdmin;
import static dev.kashierrotator.testing.Api.awaitRotation;
import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.rotation.KeyStore;
import dev.kashierrotator.rotation.StoredKey;
import dev.kashierrotator.sim.DemoDependent;
import dev.kashierrotator.sim.KashierSimulator;
import dev.kashierrotator.testing.Dependents;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * 100 real webhook dependents in three waves (5, 45, 50): flaky ones are retried, a dead one rolls
 * everything back while the old key still works, and a wave may tolerate a configured share of failures.
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class RolloutAtScaleTest {

    private static final String MID = "MID-2000-002";

    @Inject
    KeyStore keys;

    @Inject
    KashierSimulator simulator;

    @Test
    void flakyDependentsAreRetriedAndTheRotationCompletes() {
        List<String> flakies = List.of("big-010", "big-060", "big-070");
        flakies.forEach(f -> Dependents.get(f).failFirst(2));
        String id = rotate("fleet-pay", "fleet rotation");
        Response done = awaitState(id, "COMPLETED", 60);
        done.then()
                .body("waves.state", everyItem(equalTo("DONE")))
                .body("waves.dependents.flatten().state", everyItem(equalTo("CONFIRMED")));
        String fresh = done.path("newFingerprint");
        for (String flaky : flakies) {
            assertEquals(
                    3,
                    (int) done.path("waves.dependents.flatten().find { it.id == '" + flaky + "' }.attempts"),
                    flaky + " took three attempts");
            List<DemoDependent.Received> got = Dependents.get(flaky).received().stream()
                    .filter(r -> r.keyId().equals("fleet-pay"))
                    .toList();
            assertEquals(3, got.size());
            assertEquals(
                    1,
                    got.stream()
                            .map(DemoDependent.Received::deliveryId)
                            .distinct()
                            .count(),
                    "every retry carries the same X-Rotator-Delivery id");
        }
        assertTrue(
                IntStream.range(0, 100)
                        .mapToObj(i -> Dependents.get(String.format("big-%03d", i)))
                        .allMatch(d -> fresh.equals(d.fingerprint("fleet-pay").orElse(null))),
                "all 100 use the new key");
    }

    @Test
    void aDeadDependentInWaveOneRollsEverythingBack() {
        StoredKey old = keys.current("fleet-pay-down").orElseThrow();
        DemoDependent dead = Dependents.get("big-020").failWith(500);
        try {
            String id = rotate("fleet-pay-down", "fleet rotation");
            Response rolledBack = awaitState(id, "ROLLED_BACK", 60);
            rolledBack
                    .then()
                    .body("error", containsString("big-020"))
                    .body("waves[0].state", equalTo("DONE"))
                    .body("waves[1].state", equalTo("FAILED"))
                    .body("waves[2].state", equalTo("SKIPPED"))
                    .body("waves[0].dependents.state", everyItem(equalTo("ROLLED_BACK")))
                    .body("waves.dependents.flatten().find { it.id == 'big-020' }.accepted", equalTo(false));
            for (int i = 0; i < 5; i++) {
                DemoDependent canary = Dependents.get(String.format("big-%03d", i));
                assertTrue(
                        canary.received().stream()
                                .anyMatch(
                                        r -> r.keyId().equals("fleet-pay-down") && "key.rolled_back".equals(r.event())),
                        canary.name() + " got key.rolled_back");
                assertEquals(
                        old.fingerprint(),
                        canary.fingerprint("fleet-pay-down").orElseThrow(),
                        canary.name() + " reports the old key again");
            }
            assertTrue(
                    IntStream.range(50, 100)
                            .mapToObj(i -> Dependents.get(String.format("big-%03d", i)))
                            .allMatch(d -> d.received().stream()
                                    .noneMatch(r -> r.keyId().equals("fleet-pay-down"))),
                    "wave 2 was never called");
            assertTrue(
                    simulator.authenticatesPaymentKey(Mode.TEST, MID, old.fingerprint()),
                    "the old key is still accepted by Kashier");
            assertFalse(
                    simulator.authenticatesPaymentKey(Mode.TEST, MID, rolledBack.path("newFingerprint")),
                    "the new key is deleted");
            assertEquals(
                    old.version(), keys.current("fleet-pay-down").orElseThrow().version());
        } finally {
            dead.failWith(0);
        }
    }

    @Test
    void aToleratedFailureDoesNotLetTheOldKeyExpireUnderTheFailedDependent() {
        StoredKey old = keys.current("fleet-tolerant").orElseThrow();
        DemoDependent dead = Dependents.get("big-030").failWith(500);
        String id;
        try {
            id = rotate("fleet-tolerant", "fleet rotation");
            // The wave tolerates it (5%), the rotation promotes; but big-030 holds only the old key, so the
            // old key is not expired: the rotation waits for a person to fix big-030.
            Response waiting = awaitRotation(id, 60, r -> "AWAITING_DASHBOARD".equals(r.path("state")));
            waiting.then()
                    .body("waves[1].state", equalTo("DONE"))
                    .body("blockedBy", equalTo(List.of("big-030")))
                    .body("steps.find { it.name == 'EXPIRE_OLD_KEY' }.detail", containsString("NOT expired"))
                    .body("steps.find { it.name == 'EXPIRE_OLD_KEY' }.detail", containsString("big-030"));
            assertTrue(
                    simulator.authenticatesPaymentKey(Mode.TEST, MID, old.fingerprint()),
                    "the old key big-030 holds still works");
        } finally {
            dead.failWith(0);
        }
        asAdmin()
                .contentType("application/json")
                .body(Map.of())
                .post("/api/v1/rotations/{id}/confirm", id)
                .then()
                .statusCode(202);
        Response done = awaitState(id, "COMPLETED", 60);
        assertEquals(
                done.<String>path("newFingerprint"),
                Dependents.get("big-030").fingerprint("fleet-tolerant").orElseThrow(),
                "fixed, it was given the new key again");
        assertFalse(simulator.authenticatesPaymentKey(Mode.TEST, MID, old.fingerprint()), "then the old key expired");
    }
}
