package dev.kashierrotator.rollout;

import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.rotation.KeyStore;
import dev.kashierrotator.rotation.StoredKey;
import dev.kashierrotator.sim.KashierSimulator;
import dev.kashierrotator.testing.HostileServer;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Dependents that misbehave at the socket level: each call to them is cut at its wall-clock bound
 * (call-timeout 1 s here), the dependent is failed and the rotation rolled back within the documented
 * bound, the old key still works, and no connection or thread is left behind.
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class HostileDependentsTest {

    /**
     * The README's bound for one dependent with 3 delivery attempts, call-timeout 1 s and verify-timeout
     * 2 s, plus the rollback of a dependent that accepted the key: 2 × (3 × 1 s + 0.8 s of backoff + 2 s
     * + 1 s + 1 s of polling) = 17.6 s, and some slack for Vault writes.
     */
    private static final Duration BOUND = Duration.ofSeconds(20);

    @Inject
    KeyStore keys;

    @Inject
    KashierSimulator kashier;

    /**
     * All seven at once, each on its own key: the bounds are per rotation and wall clock, so running them
     * side by side proves the same as one after another (and that one hostile dependent does not hold up
     * another key's rotation) in the time of the slowest.
     */
    @Test
    void aHostileDependentIsCutOffAndTheRotationRollsBackWithinItsBound() {
        Map<String, StoredKey> old = new LinkedHashMap<>();
        Map<String, String> rotations = new LinkedHashMap<>();
        Instant asked = Instant.now();
        for (String name : RotatorTestResource.HOSTILE) {
            String keyId = "hostile-" + name;
            old.put(name, keys.current(keyId).orElseThrow());
            rotations.put(name, rotate(keyId, "hostile " + name));
        }
        assertAll(RotatorTestResource.HOSTILE.stream().map(name -> () -> {
            String keyId = "hostile-" + name;
            HostileServer server = HostileServer.named(name);
            Response done = awaitState(rotations.get(name), "ROLLED_BACK", (int) BOUND.toSeconds() + 10);
            Duration took = Duration.between(asked, Instant.parse(done.path("updatedAt")));
            assertTrue(took.compareTo(BOUND) < 0, name + ": rolled back after " + took + ", bound " + BOUND);
            done.then().body("error", containsString(keyId + "-hook"));
            assertTrue(server.hits() > 0, name + ": the misbehaviour was met");

            StoredKey before = old.get(name);
            assertEquals(
                    before.fingerprint(),
                    keys.current(keyId).orElseThrow().fingerprint(),
                    name + ": Vault serves the old key");
            assertTrue(
                    kashier.authenticatesPaymentKey(Mode.TEST, "MID-2000-002", before.fingerprint()),
                    name + ": the old key still works");
            await().atMost(Duration.ofSeconds(10)).until(() -> server.openConnections() == 0);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Thread.getAllStackTraces().keySet().stream()
                            .noneMatch(t -> t.getName().startsWith("rollout-" + keyId)
                                    || t.getName().startsWith("rollback-" + keyId)));
        }));
    }
}
