package dev.kashierrotator.rotation;

import static dev.kashierrotator.testing.Api.asAdmin;
import static dev.kashierrotator.testing.Api.awaitRotation;
import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Abort: while the old key still works, everything goes back to it and the new key is expired. */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class AbortTest {

    private static final String MID = "MID-2000-002";

    @Inject
    KeyStore keys;

    @Inject
    KashierSimulator simulator;

    @Inject
    VaultKv kv;

    @Test
    void abortDuringRolloutSendsRolledBackAndExpiresTheNewKey() {
        StoredKey old = keys.current("abort-pay").orElseThrow();
        String id = rotate("abort-pay", "routine");
        // Wave 0 switched; wave 1 (abort-slow) has the key but takes its time to confirm.
        awaitRotation(
                id,
                30,
                r -> "RUNNING".equals(r.path("waves[1].state"))
                        && !Dependents.get("abort-slow").received().isEmpty());

        abort(id, "canary error rate up").then().statusCode(202).body("abortRequestedBy", equalTo("bootstrap"));
        Response aborted = awaitState(id, "ABORTED", 30);
        aborted.then()
                .body("error", containsString("aborted by bootstrap: canary error rate up"))
                .body("steps.find { it.name == 'ROLL_BACK' }.state", equalTo("DONE"))
                .body("steps.find { it.name == 'PROMOTE' }.state", equalTo("SKIPPED"))
                .body("waves[0].dependents.state", org.hamcrest.Matchers.everyItem(equalTo("ROLLED_BACK")));
        String fresh = aborted.path("newFingerprint");

        for (String d : new String[] {"abort-canary", "abort-slow"}) {
            DemoDependent dep = Dependents.get(d);
            assertEquals(old.fingerprint(), dep.fingerprint("abort-pay").orElseThrow(), d + " is back on the old key");
            assertTrue(
                    dep.received().stream()
                            .anyMatch(x -> "key.rolled_back".equals(x.event())
                                    && x.keyId().equals("abort-pay")
                                    && x.signatureValid()),
                    d + " got a signed key.rolled_back");
        }
        assertEquals(
                old.fingerprint(),
                kv.read("apps/abort/abort-pay").orElseThrow().data().get("fingerprint"),
                "the vault-kv copy is restored");
        assertEquals(
                old.version(), keys.current("abort-pay").orElseThrow().version(), "Vault never served the new key");
        assertTrue(active(old.fingerprint()), "the old key still works at Kashier");
        assertFalse(active(fresh), "the new key is expired on the dashboard");
        assertTrue(keys.pending("abort-pay", id).isEmpty(), "no key left pending");
    }

    @Test
    void abortDuringGracePutsVaultBackOnTheOldKey() {
        StoredKey old = keys.current("abort-grace").orElseThrow();
        String id = rotate("abort-grace", "routine");
        awaitRotation(id, 30, r -> "RUNNING".equals(r.path("steps.find { it.name == 'GRACE' }.state")));
        assertEquals(
                old.version() + 1, keys.current("abort-grace").orElseThrow().version(), "promoted before grace");

        abort(id, "callbacks failing").then().statusCode(202);
        Response aborted = awaitState(id, "ABORTED", 30);
        StoredKey current = keys.current("abort-grace").orElseThrow();
        assertEquals(old.fingerprint(), current.fingerprint(), "Vault serves the old key again");
        assertEquals(old.version() + 2, current.version(), "as a new version, history kept");
        assertEquals(
                old.rotatedAt(),
                current.rotatedAt(),
                "not stamped as freshly rotated: its age and schedule " + "stay true (finding 11)");
        assertEquals(old.kashierKeyId(), current.kashierKeyId());
        assertTrue(active(old.fingerprint()));
        assertFalse(active(aborted.path("newFingerprint")));
        assertEquals(
                old.fingerprint(),
                Dependents.get("abort-canary").fingerprint("abort-grace").orElseThrow());
    }

    @Test
    void tooLateOnceTheOldKeyIsDeadAndUnknownIs404() {
        String id = rotate("abort-secret", "routine");
        awaitState(id, "COMPLETED", 30);
        abort(id, "oops")
                .then()
                .statusCode(409)
                .contentType("application/problem+json")
                .body("detail", containsString("COMPLETED"));
        abort("rot-20000101T000000Z-000000", "x").then().statusCode(404);
        asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "x".repeat(501)))
                .post("/api/v1/rotations/{id}/abort", id)
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("reason"));
    }

    private static Response abort(String id, String reason) {
        return asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", reason))
                .post("/api/v1/rotations/{id}/abort", id);
    }

    private boolean active(String fingerprint) {
        return simulator.authenticatesPaymentKey(Mode.TEST, MID, fingerprint);
    }
}
