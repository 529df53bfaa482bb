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
import dev.kashierrotator.testing.SseClient;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Two replicas on one OpenBao: exactly one rotation per key, and a dead holder is taken over. */
class TwoReplicasIT {

    private static final String MID = "MID-7000-002";

    @Test
    void fiftyConcurrentTriggersMakeOneRotationAndADeadHolderIsTakenOver() throws Exception {
        try (DemoDependent fleet =
                        DemoDependent.start("it-race-fleet", "race-secret", 0).holdConfirmations(true);
                Cluster cluster = new Cluster("it-race")) {
            cluster.paymentKey("race-pay", MID, "1s").webhook("race-fleet", "race-pay", 0, fleet, "race-secret");
            try (ServiceProcess a = cluster.replica("replica-a");
                    ServiceProcess b = cluster.replica("replica-b")) {
                raceThenKillHolder(cluster, a, b, fleet);
            }
        }
    }

    private static void raceThenKillHolder(Cluster cluster, ServiceProcess a, ServiceProcess b, DemoDependent fleet)
            throws Exception {
        long version = key(a, "race-pay").getLong("version");

        ExecutorService pool = Executors.newFixedThreadPool(50);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Response>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ServiceProcess target = i % 2 == 0 ? a : b;
            calls.add(pool.submit(() -> {
                go.await();
                return rotate(target, "race-pay");
            }));
        }
        go.countDown();
        List<Response> answers = new ArrayList<>();
        for (Future<Response> f : calls) {
            answers.add(f.get());
        }
        pool.shutdown();
        List<Response> accepted =
                answers.stream().filter(r -> r.statusCode() == 202).toList();
        long conflicts = answers.stream().filter(r -> r.statusCode() == 409).count();
        assertEquals(1, accepted.size(), "exactly one rotation started");
        assertEquals(49, conflicts, "every other trigger got 409");
        String id = accepted.get(0).path("id");
        answers.stream()
                .filter(r -> r.statusCode() == 409)
                .forEach(r -> assertEquals(id, r.path("rotationId"), "409 names the running rotation"));

        // Kill whichever replica runs it, mid-rotation; the other takes over once the lease expires.
        JsonPath running = awaitRotation(a, id, 30, r -> "RUNNING".equals(r.getString("state")));
        ServiceProcess holder = running.getString("owner").equals("replica-a") ? a : b;
        ServiceProcess survivor = holder == a ? b : a;
        // Live progress from the replica that does not run it: the record in Vault is what it streams.
        try (SseClient stream =
                new SseClient(survivor.url() + "/api/v1/rotations/" + id + "/events", Cluster.TOKEN, null)) {
            assertEquals(200, stream.status());
            stream.until(e -> e.name().equals("rotation"), Duration.ofSeconds(10));
            holder.kill();
            // The rollout stayed RUNNING (the dependent held its confirmation) until the holder died.
            fleet.holdConfirmations(false);
            JsonPath done = awaitRotation(survivor, id, 60, r -> "COMPLETED".equals(r.getString("state")));
            assertEquals(survivor.name(), done.getString("owner"));
            List<SseClient.Event> events = stream.toEnd(Duration.ofSeconds(30));
            assertTrue(
                    events.stream()
                            .anyMatch(e -> e.name().equals("dependent")
                                    && e.json().at("/dependent/state").asText().equals("CONFIRMED")),
                    "the dependent's confirmation, written by whichever replica ran it: " + events);
            SseClient.Event last = events.get(events.size() - 1);
            assertEquals("COMPLETED", last.json().path("state").asText(), "it ends with the end: " + last);
        }

        assertEquals(version + 1, key(survivor, "race-pay").getLong("version"), "one promotion");
        List<Map<String, Object>> issued = dashboardPaymentKeys(cluster, MID);
        assertEquals(2, issued.size(), "the seeded key and exactly one new one");
        assertEquals(1, rotationsOf(survivor, "race-pay"), "one rotation record");
    }

    private static int rotationsOf(ServiceProcess replica, String keyId) {
        return io.restassured.RestAssured.given()
                .baseUri(replica.url())
                .header("Authorization", "Bearer " + Cluster.TOKEN)
                .get("/api/v1/rotations?keyId={k}", keyId)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("$")
                .size();
    }
}
