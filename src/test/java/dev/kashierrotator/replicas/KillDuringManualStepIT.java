package dev.kashierrotator.replicas;

import static dev.kashierrotator.replicas.ReplicaTesting.awaitRotation;
import static dev.kashierrotator.replicas.ReplicaTesting.dashboardPaymentKeys;
import static dev.kashierrotator.replicas.ReplicaTesting.key;
import static dev.kashierrotator.replicas.ReplicaTesting.rotate;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.rotation.Fingerprints;
import dev.kashierrotator.sim.DemoDependent;
import dev.kashierrotator.testing.Cluster;
import dev.kashierrotator.testing.ServiceProcess;
import io.restassured.path.json.JsonPath;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Production mode across processes: a person has made the new key in the Kashier dashboard when the
 * replica that asked for it is killed. Another replica takes the rotation over, asks again (the same
 * step, the same instructions), takes the key the person already has, and finishes.
 */
class KillDuringManualStepIT {

    private static final String MID = "MID-7000-003";

    @Test
    void aPersonMidStepIsNotLostWhenTheirReplicaDies() throws Exception {
        try (DemoDependent app = DemoDependent.start("it-mkill-app", "mkill-secret", 0);
                Cluster cluster = new Cluster("it-mkill")) {
            cluster.paymentKey("mk-pay", MID, "1s")
                    .webhook("mk-app", "mk-pay", 0, app, "mkill-secret")
                    .set("rotator.kashier.dashboard", "manual");
            // The operator seeds the first key by hand, as in production: made in the dashboard, put in Vault.
            Map<String, Object> seed = given().contentType("application/json")
                    .body(Map.of("mid", MID))
                    .post(cluster.kashierUrl() + "/test/dashboard/payment-keys")
                    .then()
                    .statusCode(201)
                    .extract()
                    .jsonPath()
                    .getMap("$");
            String seeded = (String) seed.get("key");
            cluster.bao()
                    .api(
                            "POST",
                            "secret/data/it-mkill/keys/mk-pay",
                            "{\"data\": {\"key\": \"" + seeded
                                    + "\", \"fingerprint\": \"" + Fingerprints.of(seeded) + "\", \"kashierKeyId\": \""
                                    + seed.get("id")
                                    + "\", \"rotatedAt\": \"" + Instant.now() + "\"}}");
            app.use("mk-pay", seeded);

            ServiceProcess first = cluster.replica("replica-asked");
            String id = rotate(first, "mk-pay").then().statusCode(202).extract().path("id");
            JsonPath asked = awaitRotation(first, id, 30, r -> "AWAITING_DASHBOARD".equals(r.getString("state")));
            String instructions = asked.getString("steps.find { it.name == 'ISSUE_NEW_KEY' }.detail");
            assertTrue(instructions.contains(MID), instructions);

            // The person makes the key... and the replica dies before they answer.
            String made = given().contentType("application/json")
                    .body(Map.of("mid", MID))
                    .post(cluster.kashierUrl() + "/test/dashboard/payment-keys")
                    .then()
                    .statusCode(201)
                    .extract()
                    .path("key");
            first.kill();

            try (ServiceProcess second = cluster.replica("replica-took-over")) {
                JsonPath again = awaitRotation(
                        second,
                        id,
                        60,
                        r -> "AWAITING_DASHBOARD".equals(r.getString("state"))
                                && "replica-took-over".equals(r.getString("owner")));
                assertTrue(
                        again.getString("steps.find { it.name == 'ISSUE_NEW_KEY' }.detail")
                                .contains(MID),
                        "the same instructions, from the replica that holds it now");
                assertTrue(app.key("mk-pay").filter(seeded::equals).isPresent(), "the dependent kept its working key");

                confirm(second, id, Map.of("newKey", made));
                JsonPath delete = awaitRotation(
                        second,
                        id,
                        60,
                        r -> "AWAITING_DASHBOARD".equals(r.getString("state"))
                                && "RUNNING".equals(r.getString("steps.find { it.name == 'EXPIRE_OLD_KEY' }.state")));
                String old = delete.getString("oldFingerprint");
                assertTrue(delete.getString("steps.find { it.name == 'EXPIRE_OLD_KEY' }.detail")
                        .contains(old));
                given().delete(cluster.kashierUrl() + "/test/dashboard/payment-keys/" + old + "?mid=" + MID)
                        .then()
                        .statusCode(204);
                confirm(second, id, Map.of());
                JsonPath done = awaitRotation(second, id, 60, r -> "COMPLETED".equals(r.getString("state")));
                assertEquals(Fingerprints.of(made), done.getString("newFingerprint"));
                assertEquals(Fingerprints.of(made), key(second, "mk-pay").getString("fingerprint"));
                assertEquals(Fingerprints.of(made), app.fingerprint("mk-pay").orElseThrow());
                List<Map<String, Object>> keys = dashboardPaymentKeys(cluster, MID);
                assertEquals(2, keys.size(), "the seeded key and the one the person made: " + keys);
                assertEquals(
                        List.of(Fingerprints.of(made)),
                        keys.stream()
                                .filter(k -> Boolean.TRUE.equals(k.get("active")))
                                .map(k -> k.get("fingerprint"))
                                .toList());
            }
        }
    }

    private static void confirm(ServiceProcess replica, String id, Map<String, Object> body) {
        given().baseUri(replica.url())
                .header("Authorization", "Bearer " + Cluster.TOKEN)
                .contentType("application/json")
                .body(body)
                .post("/api/v1/rotations/{id}/confirm", id)
                .then()
                .statusCode(202);
    }
}
