package dev.kashierrotator.replicas;

import static dev.kashierrotator.replicas.ReplicaTesting.awaitRotation;
import static dev.kashierrotator.replicas.ReplicaTesting.dashboardPaymentKeys;
import static dev.kashierrotator.replicas.ReplicaTesting.key;
import static dev.kashierrotator.replicas.ReplicaTesting.rotate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.sim.DemoDependent;
import dev.kashierrotator.testing.Cluster;
import dev.kashierrotator.testing.ServiceProcess;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code kill -9} of the service in the middle of a rollout: a new process finishes the rotation. */
class KillDuringRolloutIT {

    private static final String MID = "MID-7000-001";

    @Test
    void rotationSurvivesKillNineDuringRollout() throws Exception {
        try (DemoDependent slow =
                        DemoDependent.start("it-kill-slow", "slow-secret", 0).holdConfirmations(true);
                DemoDependent later = DemoDependent.start("it-kill-later", "later-secret", 0);
                Cluster cluster = new Cluster("it-kill")) {
            cluster.paymentKey("kill-pay", MID, "1s")
                    .webhook("slow-fleet", "kill-pay", 0, slow, "slow-secret")
                    .webhook("later-fleet", "kill-pay", 1, later, "later-secret");
            ServiceProcess first = cluster.replica("replica-first");
            JsonPath before = key(first, "kill-pay");
            String id =
                    rotate(first, "kill-pay").then().statusCode(202).extract().path("id");

            // The canary has the new key but has not confirmed it yet: the rollout is under way.
            awaitRotation(
                    first,
                    id,
                    30,
                    r -> "RUNNING".equals(r.getString("steps.find { it.name == 'ROLLOUT' }.state"))
                            && !slow.received().isEmpty());
            first.kill();
            // Held until now: the rollout was under way however slowly this machine ran.
            slow.holdConfirmations(false);

            try (ServiceProcess second = cluster.replica("replica-second")) {
                JsonPath done = awaitRotation(second, id, 60, r -> "COMPLETED".equals(r.getString("state")));
                assertEquals("replica-second", done.getString("owner"), "the new process finished it");
                assertTrue(done.getLong("epoch") >= 2, "it took the key over under a new epoch");

                String fresh = done.getString("newFingerprint");
                JsonPath after = key(second, "kill-pay");
                assertEquals(fresh, after.getString("fingerprint"));
                assertEquals(before.getLong("version") + 1, after.getLong("version"), "promoted exactly once");

                List<Map<String, Object>> issued = dashboardPaymentKeys(cluster, MID);
                assertEquals(2, issued.size(), "the seeded key and exactly one new key: " + issued.size());
                assertEquals(
                        List.of(fresh),
                        issued.stream()
                                .filter(k -> Boolean.TRUE.equals(k.get("active")))
                                .map(k -> k.get("fingerprint"))
                                .toList(),
                        "only the new key is active after grace");
                assertEquals(fresh, slow.fingerprint("kill-pay").orElseThrow());
                assertEquals(fresh, later.fingerprint("kill-pay").orElseThrow());
            }
        }
    }
}
