package dev.kashierrotator.kashier;

import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.rotation.KashierApi;
import dev.kashierrotator.rotation.KeyStore;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Kashier API probe against the simulator, and its fault tolerance when Kashier cannot be reached. */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class KashierApiProbeTest {

    @Inject
    KashierApi kashier;

    @Inject
    KeyStore keys;

    @Inject
    CircuitBreakerMaintenance breakers;

    @BeforeEach
    @AfterEach
    void closeBreakers() {
        breakers.resetAll();
    }

    @Test
    void aStepThatKeepsMeetingAnUnreachableKashierEndsFailedWithTheCause() {
        // The live API is unreachable: VERIFY_NEW_KEY retries a bounded number of times, then fails. The
        // standby user's key was changed, which harms nobody: dependents keep the live user's key.
        String id = rotate("live-alt", "bounded retries");
        awaitState(id, "FAILED", 60)
                .then()
                .body("error", containsString("VERIFY_NEW_KEY: gave up after 3 attempts"))
                .body("steps.find { it.name == 'VERIFY_NEW_KEY' }.state", equalTo("FAILED"))
                .body("steps.find { it.name == 'STAGE_PENDING' }.state", equalTo("SKIPPED"));
    }

    @Test
    void afterASingleUserChangeAnUnreachableKashierDoesNotStopTheNewKeyGoingOut() {
        // live-secret's old key died at the change: failing would leave every dependent on it.
        String id = rotate("live-secret", "Kashier unreachable after the change");
        awaitState(id, "COMPLETED", 60)
                .then()
                .body(
                        "steps.find { it.name == 'VERIFY_NEW_KEY' }.detail",
                        containsString("did not answer after 3 " + "attempts"))
                .body("steps.find { it.name == 'VERIFY_NEW_KEY' }.detail", containsString("goes out unverified"));
    }

    @Test
    void acceptsAWorkingKeyAndRejectsUnknownOrOtherModeKeys() {
        String current = keys.current("secret-e2e").orElseThrow().value();
        assertTrue(kashier.acceptsSecretKey(Mode.TEST, current), "the current test secret key works");
        assertFalse(kashier.acceptsSecretKey(Mode.TEST, "0".repeat(32) + "$" + "0".repeat(96)), "an unknown key: 401");
        assertFalse(kashier.acceptsSecretKey(Mode.TEST, ""), "no key: 401");
    }

    @Test
    void unreachableKashierIsRetriedThenTheBreakerFailsFast() {
        String key = keys.current("live-secret").orElseThrow().value();
        KashierUnavailableException first =
                assertThrows(KashierUnavailableException.class, () -> kashier.acceptsSecretKey(Mode.LIVE, key));
        assertTrue(first.getMessage().contains("unreachable")
                && !first.getMessage().contains(key));
        // Every attempt (retries included) counts: the breaker opens and answers at once, without calling;
        // the engine sees that as Kashier being unavailable, like any other passing failure.
        String last = "";
        for (int i = 0; i < 10 && !last.contains("CircuitBreakerOpenException"); i++) {
            last = assertThrows(KashierUnavailableException.class, () -> kashier.acceptsSecretKey(Mode.LIVE, key))
                    .getMessage();
        }
        assertTrue(last.startsWith("Kashier live API: CircuitBreakerOpenException"), last);
    }
}
