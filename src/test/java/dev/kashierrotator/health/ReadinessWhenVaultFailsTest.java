package dev.kashierrotator.health;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.kashierrotator.rotation.LimitsWorld;
import dev.kashierrotator.testing.Api;
import dev.kashierrotator.testing.FlakyProxy;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Readiness turns DOWN when Vault rejects the service's token or cannot be reached, and says which, while
 * liveness stays UP; the API answers 503. In the world at its limits, whose Vault sits behind a proxy the
 * test cuts and whose token the test has Vault refuse (two test applications of their own before).
 */
@QuarkusTest
@TestProfile(LimitsWorld.Profile.class)
class ReadinessWhenVaultFailsTest {

    @AfterEach
    void vaultBack() {
        LimitsWorld.VAULT.mode(FlakyProxy.Mode.PASS);
        LimitsWorld.allowTheService();
        awaitReadiness(200);
    }

    /** Readiness once it answers {@code status} (an answer is reused for up to 2 s). */
    private static Response awaitReadiness(int status) {
        return await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> Api.management().get("/q/health/ready"), r -> r.statusCode() == status);
    }

    @Test
    void notReadyWhenVaultRejectsTheToken() {
        LimitsWorld.vaultRefusesTheService();
        awaitReadiness(503)
                .then()
                .body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 'vault' }.data.error", containsString("rejected the token"));
    }

    @Test
    void notReadyWhenVaultIsUnreachable() {
        LimitsWorld.VAULT.mode(FlakyProxy.Mode.CUT);
        String address = URI.create(LimitsWorld.VAULT.url()).getAuthority();
        awaitReadiness(503)
                .then()
                .body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 'vault' }.data.error", containsString("unreachable"))
                // Edges review L2: where Vault is is not told to whoever reaches the management port.
                .body(not(containsString(address)));
        Api.management().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void apiAnswers503WhenVaultIsUnreachable() {
        LimitsWorld.VAULT.mode(FlakyProxy.Mode.CUT);
        given().header("Authorization", "Bearer " + RotatorTestResource.TOKEN)
                .get("/api/v1/keys/sup-pay")
                .then()
                .statusCode(503)
                .contentType("application/problem+json")
                .body("title", equalTo("Vault unavailable"));
    }
}
