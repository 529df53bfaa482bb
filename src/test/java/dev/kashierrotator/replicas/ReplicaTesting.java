package dev.kashierrotator.replicas;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import dev.kashierrotator.testing.Cluster;
import dev.kashierrotator.testing.ServiceProcess;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Calls against service processes, as an operator or a script would make them. */
final class ReplicaTesting {

    private ReplicaTesting() {}

    static Response rotate(ServiceProcess replica, String keyId) {
        return given().baseUri(replica.url())
                .header("Authorization", "Bearer " + Cluster.TOKEN)
                .contentType("application/json")
                .body(Map.of("reason", "replica test"))
                .post("/api/v1/keys/{k}/rotations", keyId);
    }

    static JsonPath key(ServiceProcess replica, String keyId) {
        return given().baseUri(replica.url())
                .header("Authorization", "Bearer " + Cluster.TOKEN)
                .get("/api/v1/keys/{k}", keyId)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    static JsonPath awaitRotation(ServiceProcess replica, String id, int seconds, Predicate<JsonPath> condition) {
        JsonPath[] last = new JsonPath[1];
        await().atMost(Duration.ofSeconds(seconds))
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(() -> {
                    last[0] = given().baseUri(replica.url())
                            .header("Authorization", "Bearer " + Cluster.TOKEN)
                            .get("/api/v1/rotations/{id}", id)
                            .then()
                            .statusCode(200)
                            .extract()
                            .jsonPath();
                    return condition.test(last[0]);
                });
        return last[0];
    }

    /** Payment keys the simulated Kashier dashboard lists for the merchant. */
    static List<Map<String, Object>> dashboardPaymentKeys(Cluster cluster, String mid) {
        List<Map<String, Object>> all = given().get(cluster.kashierUrl() + "/test/dashboard/keys?mid=" + mid)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("$");
        return all.stream().filter(k -> "payment-api-key".equals(k.get("kind"))).toList();
    }
}
