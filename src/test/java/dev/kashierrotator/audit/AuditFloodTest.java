package dev.kashierrotator.audit;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.testing.Api;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A flood of calls without a valid token (finding 2): 6,000 of them from twelve connections, and an
 * on-call engineer's emergency rotation in the middle. The rotation is answered at once and its audit
 * event stored; the flood costs the trail a handful of summary events; nothing is dropped.
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class AuditFloodTest {

    private static final int FLOOD = 6_000;

    @TestHTTPResource("/api/v1/keys")
    URL keys;

    @Test
    void aFloodOfBadTokensNeitherDelaysAChangeNorFillsTheTrail() throws Exception {
        // REST Assured's first request in a JVM loads a good deal of Groovy: not part of what is measured.
        given().header("Authorization", "Bearer admin-token")
                .get("/api/v1/whoami")
                .then()
                .statusCode(200);
        Instant start = Instant.now();
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger unauthorized = new AtomicInteger();
        ExecutorService flooders = Executors.newFixedThreadPool(12);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 12; t++) {
            int thread = t;
            done.add(flooders.submit(() -> {
                HttpClient http = HttpClient.newHttpClient();
                while (sent.incrementAndGet() <= FLOOD) {
                    HttpRequest.Builder b =
                            HttpRequest.newBuilder(URI.create(keys.toString())).timeout(Duration.ofSeconds(10));
                    if (thread % 2 == 0) {
                        b.header("Authorization", "Bearer guessed-" + thread);
                    }
                    try {
                        if (http.send(b.build(), HttpResponse.BodyHandlers.discarding())
                                        .statusCode()
                                == 401) {
                            unauthorized.incrementAndGet();
                        }
                    } catch (Exception e) {
                        return;
                    }
                }
            }));
        }
        // The engineer acts while the flood is on.
        while (sent.get() < FLOOD / 4) {
            Thread.onSpinWait();
        }
        Instant asked = Instant.now();
        String id = given().header("Authorization", "Bearer oncall-token")
                .contentType("application/json")
                .body(Map.of("reason", "leaked during an attack", "emergency", true))
                .post("/api/v1/keys/audit-pay/rotations")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        Duration answeredIn = Duration.between(asked, Instant.now());
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        flooders.shutdown();
        assertTrue(unauthorized.get() >= FLOOD * 9 / 10, "the flood was answered 401: " + unauthorized);
        assertTrue(answeredIn.compareTo(Duration.ofSeconds(3)) < 0, "the emergency rotation waited " + answeredIn);

        List<Map<String, Object>> events = given().header("Authorization", "Bearer admin-token")
                .get("/api/v1/audit?limit=1000")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("$");
        assertTrue(
                events.stream()
                        .anyMatch(e -> id.equals(e.get("rotationId")) && "rotation.emergency".equals(e.get("action"))),
                "the change's event is stored");
        long floodEvents = events.stream()
                .filter(e -> "denied".equals(e.get("outcome"))
                        && !Instant.parse((String) e.get("time")).isBefore(start))
                .count();
        long seconds = Duration.between(start, Instant.now()).toSeconds() + 2;
        assertTrue(
                floodEvents <= 2 * seconds,
                floodEvents + " denied-call events for the flood in " + seconds
                        + " s (at most one per kind per 1 s window)");
        String metrics = Api.management().get("/q/metrics").asString();
        assertTrue(
                metrics.lines().anyMatch(l -> l.startsWith("rotator_audit_events_dropped_total") && l.endsWith(" 0.0")),
                "nothing dropped");
        assertTrue(
                metrics.lines()
                        .filter(l -> l.startsWith("rotator_audit_denied_calls_total"))
                        .anyMatch(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) >= FLOOD * 9 / 10),
                "every denied call is counted");
        assertEquals(
                1,
                events.stream()
                        .filter(e -> id.equals(e.get("rotationId")) && "rotation.emergency".equals(e.get("action")))
                        .count());
    }
}
