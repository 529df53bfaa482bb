package dev.kashierrotator.rotation;

import static dev.kashierrotator.testing.Api.asAdmin;
import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.sim.DemoDependent;
import dev.kashierrotator.sim.KashierSimulator;
import dev.kashierrotator.testing.Dependents;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Alternating users: the application behind a dependent calls Kashier non-stop with whatever key it
 * holds, and across rotations it never gets a 401.
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class AlternatingUsersTest {

    @Inject
    KeyStore keys;

    @Inject
    KashierSimulator simulator;

    @TestHTTPResource("/sim/kashier/test/payments/orders/order-42")
    URL kashierOrder;

    @Test
    void callersSeeNoUnauthorizedAcrossRotations() throws Exception {
        DemoDependent app = Dependents.get("alt-app");
        StoredKey first = keys.current("alt-secret").orElseThrow();
        assertEquals("svc-blue", first.user().orElseThrow(), "seeded on the first user");
        app.use("alt-secret", first.value());

        Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>();
        AtomicBoolean calling = new AtomicBoolean(true);
        Thread caller = new Thread(() -> callKashierNonStop(app, answers, calling), "kashier-caller");
        caller.start();
        try {
            Response one = awaitState(rotate("alt-secret", "monthly"), "COMPLETED", 30);
            one.then()
                    .body("fromUser", equalTo("svc-blue"))
                    .body("toUser", equalTo("svc-green"))
                    .body("oldKeyExpiredAt", nullValue())
                    .body(
                            "steps.name",
                            equalTo(java.util.List.of(
                                    "CHANGE_SECRET_KEY", "VERIFY_NEW_KEY", "STAGE_PENDING", "ROLLOUT", "PROMOTE")));
            StoredKey second = keys.current("alt-secret").orElseThrow();
            assertEquals("svc-green", second.user().orElseThrow());
            assertEquals(second.fingerprint(), app.fingerprint("alt-secret").orElseThrow());
            assertEquals(
                    second.fingerprint(),
                    Dependents.get("alt-later").fingerprint("alt-secret").orElseThrow());
            assertTrue(simulator.authenticates(Mode.TEST, first.value()), "the previous user's key still works");
            Instant staged = Instant.parse(one.path("waves[1].startedAt"));
            assertTrue(!staged.isBefore(Instant.parse(one.path("waves[0].endedAt"))), "waves are staged");

            awaitState(rotate("alt-secret", "monthly again"), "COMPLETED", 30)
                    .then()
                    .body("fromUser", equalTo("svc-green"))
                    .body("toUser", equalTo("svc-blue"));
            assertEquals(
                    "svc-blue", keys.current("alt-secret").orElseThrow().user().orElseThrow());
            assertTrue(!simulator.authenticates(Mode.TEST, first.value()), "blue's old key died when blue's turn came");
            assertTrue(simulator.authenticates(Mode.TEST, second.value()), "green's key is now the standby");
        } finally {
            calling.set(false);
            caller.join(5_000);
        }
        int ok = answers.getOrDefault(404, new AtomicInteger()).get();
        int unauthorized = answers.getOrDefault(401, new AtomicInteger()).get();
        assertEquals(0, unauthorized, "no caller ever saw a 401; answers: " + answers);
        assertTrue(ok > 20, "the caller kept calling throughout: " + answers);
    }

    @Test
    void theDryRunSaysTheRolloutIsStagedAsTheRotationIs() {
        // The rotation above stages its waves (the live user's key keeps working): so must what a dry run
        // tells the person about to start one. An emergency goes to every wave at once.
        asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "what would happen?", "dryRun", true))
                .post("/api/v1/keys/alt-secret/rotations")
                .then()
                .statusCode(200)
                .body("steps[0]", equalTo("CHANGE_SECRET_KEY"))
                .body("allWavesAtOnce", equalTo(false))
                .body("grace", nullValue());
        asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "leaked", "dryRun", true, "emergency", true))
                .post("/api/v1/keys/alt-secret/rotations")
                .then()
                .statusCode(200)
                .body("allWavesAtOnce", equalTo(true))
                .body("soak", equalTo("0s"));
    }

    private void callKashierNonStop(DemoDependent app, Map<Integer, AtomicInteger> answers, AtomicBoolean calling) {
        HttpClient http = HttpClient.newHttpClient();
        while (calling.get()) {
            try {
                int status = http.send(
                                HttpRequest.newBuilder(URI.create(kashierOrder.toString()))
                                        .header(
                                                "Authorization",
                                                app.key("alt-secret").orElseThrow())
                                        .timeout(Duration.ofSeconds(2))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode();
                answers.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                answers.computeIfAbsent(-1, s -> new AtomicInteger()).incrementAndGet();
            }
        }
    }
}
