package dev.kashierrotator.rollout;

import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.testing.Dependents;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

/** Webhook deliveries verify TLS (with an optional CA bundle per dependent) and never follow redirects. */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class WebhookHardeningTest {

    @Test
    void httpsDependentTrustedThroughItsCaBundleGetsTheKey() {
        Response done = awaitState(rotate("tls-pay", "tls"), "COMPLETED", 30);
        assertEquals(
                done.path("newFingerprint"),
                Dependents.get("tls-trusted").fingerprint("tls-pay").orElseThrow());
        assertTrue(Dependents.get("tls-trusted").received().stream().allMatch(r -> r.signatureValid()));
    }

    @Test
    void httpsDependentWithAnUntrustedCertificateIsNeverSentTheKey() {
        awaitState(rotate("tls-untrusted-pay", "tls"), "ROLLED_BACK", 30)
                .then()
                .body("error", containsString("tls-untrusted"))
                .body(
                        "error",
                        anyOf(
                                containsString("SSLHandshakeException"),
                                containsString("PKIX"),
                                containsString("certification path")));
        assertTrue(Dependents.get("tls-untrusted").received().isEmpty(), "no request got through the handshake");
    }

    @Test
    void redirectsAreNotFollowed() {
        awaitState(rotate("redirect-pay", "redirect"), "ROLLED_BACK", 30)
                .then()
                .body("error", containsString("HTTP 307"));
        assertTrue(Dependents.get("redirect-target").received().isEmpty(), "the key never went where it pointed");
    }
}
