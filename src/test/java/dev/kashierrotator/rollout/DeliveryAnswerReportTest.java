package dev.kashierrotator.rollout;

import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.sim.DemoDependent;
import dev.kashierrotator.testing.Dependents;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * docs/webhook-protocol.md: a receiver may answer a delivery with the body its verify URL would give.
 * When that body names the new fingerprint, the dependent is confirmed without a verify call; when it
 * names another (the receiver is not on the new key yet), the answer proves nothing and the verify URL
 * is polled as usual.
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class DeliveryAnswerReportTest {

    private final DemoDependent hook = Dependents.get("answer-hook");

    @AfterEach
    void reset() {
        hook.reset();
        hook.confirmAfter(Duration.ZERO);
        hook.reportInAnswer(true);
    }

    @Test
    void anAnswerNamingTheNewFingerprintConfirmsWithoutAVerifyCall() {
        int before = hook.verifyCalls();
        Response done = awaitState(rotate("answer-pay", "answer reports the key"), "COMPLETED", 30);
        assertEquals(done.path("newFingerprint"), hook.fingerprint("answer-pay").orElseThrow());
        assertEquals("CONFIRMED", done.path("waves[0].dependents[0].state"));
        assertEquals(before, hook.verifyCalls(), "no verify call was needed");
    }

    @Test
    void anAnswerNamingAnotherFingerprintIsNotTakenAsProof() {
        // Switching takes it a second: its answer still names the old key.
        hook.confirmAfter(Duration.ofSeconds(1));
        int before = hook.verifyCalls();
        Response done = awaitState(rotate("answer-pay", "answer reports the old key"), "COMPLETED", 30);
        assertEquals(done.path("newFingerprint"), hook.fingerprint("answer-pay").orElseThrow());
        assertTrue(hook.verifyCalls() > before, "the verify URL was asked, since the answer proved nothing");
    }
}
