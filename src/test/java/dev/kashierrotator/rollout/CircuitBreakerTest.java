package dev.kashierrotator.rollout;

import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.testing.Dependents;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A dependent that keeps failing gets its own open circuit breaker, shown in the record, and is failed fast. */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class CircuitBreakerTest {

    @Inject
    CircuitBreakerMaintenance breakers;

    @AfterEach
    void closeBreakers() {
        breakers.resetAll();
    }

    @Test
    void aDeadDependentsBreakerOpensAndIsNamedInTheRecord() {
        Response first = awaitState(rotate("breaker-pay", "first"), "ROLLED_BACK", 30);
        first.then()
                .body("waves[0].dependents[0].attempts", equalTo(3))
                .body("waves[0].dependents[0].circuitBreaker", equalTo("CLOSED"))
                .body("error", containsString("HTTP 500"));
        int callsBefore = Dependents.get("breaker-hook").received().size();

        Response second = awaitState(rotate("breaker-pay", "second"), "ROLLED_BACK", 30);
        second.then()
                .body("waves[0].dependents[0].circuitBreaker", equalTo("OPEN"))
                // The fourth failure opens the breaker; the open breaker ends the retries at once.
                .body("waves[0].dependents[0].attempts", equalTo(2))
                .body("error", containsString("circuit breaker open: breaker-hook"));
        int calls = Dependents.get("breaker-hook").received().size() - callsBefore;
        assertEquals(1, calls, "one more failure opened the breaker; later attempts never reached the dependent");
        assertTrue(breakers.currentState("dependent-breaker-hook").name().equals("OPEN"));
    }
}
