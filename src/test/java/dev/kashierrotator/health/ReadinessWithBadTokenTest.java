package dev.kashierrotator.health;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.kashierrotator.testing.Api;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Readiness turns DOWN when Vault rejects the service's token. */
@QuarkusTest
@TestProfile(ReadinessWithBadTokenTest.BadToken.class)
class ReadinessWithBadTokenTest {

    @Test
    void notReadyWhenVaultRejectsTheToken() {
        Api.management()
                .get("/q/health/ready")
                .then()
                .statusCode(503)
                .body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 'vault' }.data.error", containsString("rejected the token"));
    }

    /** Gives the service a token Vault does not know. */
    public static class BadToken implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(WrongToken.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    /** The usual world with a token Vault never issued. */
    public static class WrongToken extends RotatorTestResource {
        @Override
        public Map<String, String> start() {
            Map<String, String> c = new HashMap<>(super.start());
            c.put("rotator.vault.token", "s.not-a-real-token");
            return c;
        }
    }
}
