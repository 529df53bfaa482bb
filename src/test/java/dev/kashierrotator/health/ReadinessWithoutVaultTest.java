package dev.kashierrotator.health;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.kashierrotator.testing.Api;
import dev.kashierrotator.testing.OpenBao;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Readiness turns DOWN when Vault cannot be reached, and says why, while liveness stays UP. */
@QuarkusTest
@TestProfile(ReadinessWithoutVaultTest.VaultUnreachable.class)
class ReadinessWithoutVaultTest {

    @Test
    void notReadyWhenVaultIsUnreachable() {
        Api.management()
                .get("/q/health/ready")
                .then()
                .statusCode(503)
                .body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 'vault' }.data.error", containsString("unreachable"))
                // Edges review L2: where Vault is is not told to whoever reaches the management port.
                .body(not(containsString(Unreachable.address)));
        Api.management().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void apiAnswers503WhenVaultIsUnreachable() {
        given().header("Authorization", "Bearer " + RotatorTestResource.TOKEN)
                .get("/api/v1/keys/pay-e2e")
                .then()
                .statusCode(503)
                .contentType("application/problem+json")
                .body("title", equalTo("Vault unavailable"));
    }

    /** Points the service at a port where no Vault listens. */
    public static class VaultUnreachable implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(Unreachable.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    /** The usual world, but with Vault's address on a closed port. */
    public static class Unreachable extends RotatorTestResource {
        static String address;

        @Override
        public Map<String, String> start() {
            Map<String, String> c = new HashMap<>(super.start());
            address = "127.0.0.1:" + OpenBao.freePort();
            c.put("rotator.vault.address", "http://" + address);
            c.put("rotator.vault.timeout-seconds", "1");
            return c;
        }
    }
}
