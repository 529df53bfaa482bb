package dev.kashierrotator.rollout;

import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
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
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

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

    static Stream<String> hostile() {
        return RotatorTestResource.HOSTILE.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void aHostileDependentIsCutOffAndTheRotationRollsBackWithinItsBound(String name) {
        String keyId = "hostile-" + name;
        StoredKey old = keys.current(keyId).orElseThrow();
        HostileServer server = HostileServer.named(name);
        Instant asked = Instant.now();
        String id = rotate(keyId, "hostile " + name);
        Response done = awaitState(id, "ROLLED_BACK", (int) BOUND.toSeconds() + 10);
        Duration took = Duration.between(asked, Instant.parse(done.path("updatedAt")));
        assertTrue(took.compareTo(BOUND) < 0, name + ": rolled back after " + took + ", bound " + BOUND);
        done.then().body("error", containsString(keyId + "-hook"));
        assertTrue(server.hits() > 0, "the misbehaviour was met");

        assertEquals(old.fingerprint(), keys.current(keyId).orElseThrow().fingerprint(), "Vault serves the old key");
        assertTrue(
                kashier.authenticatesPaymentKey(Mode.TEST, "MID-2000-002", old.fingerprint()),
                "the old key still works");
        await().atMost(Duration.ofSeconds(10)).until(() -> server.openConnections() == 0);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.getName().startsWith("rollout-" + keyId)
                                || t.getName().startsWith("rollback-" + keyId)));
    }
}
