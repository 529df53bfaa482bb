package dev.kashierrotator.vault;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.testing.Api;
import dev.kashierrotator.testing.OpenBao;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * AppRole against real OpenBao with the README's narrow policy: the service logs in, renews its token
 * in the last third of the lease, logs in again when Vault caps the token at its max TTL or revokes it,
 * and the API keeps working throughout.
 */
@QuarkusTest
@TestProfile(AppRoleAuthTest.AppRole.class)
class AppRoleAuthTest {

    public static class AppRole implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(AppRoleTestResource.class));
        }
    }

    private static RequestSpecification api() {
        return given().header("Authorization", "Bearer " + AppRoleTestResource.TOKEN);
    }

    private static double metric(String name, String labels) {
        String text = Api.management().get("/q/metrics").asString();
        Matcher m =
                Pattern.compile("(?m)^" + name + "\\{([^}]*)} ([0-9.eE+]+)$").matcher(text);
        double sum = 0;
        while (m.find()) {
            if (m.group(1).contains(labels)) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    @Test
    void renewsLogsInAgainAtMaxTtlAndKeepsServing() {
        Api.management().get("/q/health/ready").then().statusCode(200);
        double renewals = metric("rotator_vault_token_renewals_total", "outcome=\"renewed\"");
        double logins = metric("rotator_vault_logins_total", "outcome=\"success\"");
        // 6 s tokens, 8 s max: renewed at ~4 s (to the cap), logged in again at ~6 s. The API is called at each
        // look meanwhile, and every call must be served; so must the next, on the fresh login's token. (No
        // count of calls: how many looks fit in a token's life depends on the machine's load, not on the service.)
        await().atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    api().get("/api/v1/keys/approle-pay").then().statusCode(200).body("fingerprint", notNullValue());
                    return metric("rotator_vault_token_renewals_total", "outcome=\"renewed\"") > renewals
                            && metric("rotator_vault_logins_total", "outcome=\"success\"") > logins;
                });
        api().get("/api/v1/keys/approle-pay").then().statusCode(200).body("fingerprint", notNullValue());
        assertEquals(0, metric("rotator_vault_logins_total", "outcome=\"failure\""));

        // A rotation writes keys, records, claims and the dependent's copy under the narrow policy.
        String id = api().contentType("application/json")
                .body("{\"reason\": \"approle\"}")
                .post("/api/v1/keys/approle-pay/rotations")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> "COMPLETED"
                        .equals(api().get("/api/v1/rotations/" + id)
                                .then()
                                .extract()
                                .path("state")));
    }

    @Test
    void aRevokedTokenIsReplacedByAFreshLogin() {
        api().get("/api/v1/keys/approle-pay").then().statusCode(200);
        double before = metric("rotator_vault_logins_total", "outcome=\"success\"");
        OpenBao.get().api("PUT", "sys/leases/revoke-prefix/auth/" + AppRoleTestResource.MOUNT + "/login", null);
        api().get("/api/v1/keys/approle-pay").then().statusCode(200).body("fingerprint", notNullValue());
        assertTrue(metric("rotator_vault_logins_total", "outcome=\"success\"") > before, "logged in again");
        Api.management()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("checks.find { it.name == 'vault' }.data.auth", equalTo("approle"));
    }
}
