package dev.kashierrotator.schedule;

import static dev.kashierrotator.testing.Api.asAdmin;
import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.testing.Api;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The scheduler against the running service: ticks are run for a moment 30 days ahead, when the
 * {@code sched-*} keys (every 30d) fall due.
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SchedulerTest {

    private static final Instant MONTH_AHEAD =
            Instant.now().plus(Duration.ofDays(30)).plus(Duration.ofMinutes(1));

    @Inject
    RotationScheduler scheduler;

    @Inject
    dev.kashierrotator.rotation.KeyStore keys;

    @Test
    @Order(1)
    void dueKeyRotatesWithTriggerScheduledAndRunningKeyIsSkipped() {
        String busy = rotate("sched-busy", "keeps the key busy through its one-hour grace");

        RotationScheduler.TickReport report = scheduler.tick(MONTH_AHEAD);
        assertEquals(List.of("sched-due"), report.started(), "only the due key without a running rotation starts");
        assertTrue(report.skipped().get("sched-busy").contains(busy), "a key with a running rotation is skipped");
        assertEquals(1, rotations("sched-busy").size());

        String id = asAdmin()
                .get("/api/v1/rotations?keyId=sched-due")
                .then()
                .extract()
                .path("[0].id");
        awaitState(id, "COMPLETED", 30)
                .then()
                .body("trigger", equalTo("scheduled"))
                .body("requestedBy", equalTo("scheduler"))
                .body("reason", startsWith("scheduled: due since"));
    }

    @Test
    @Order(2)
    void aKeyRotatedSinceTheLastLookIsNotRotatedAgain() {
        // Just before the new key falls due, while the scheduler still remembers the old version as due.
        Instant rotatedAt =
                Instant.parse(asAdmin().get("/api/v1/keys/sched-due").path("lastRotatedAt"));
        RotationScheduler.TickReport again =
                scheduler.tick(rotatedAt.plus(Duration.ofDays(30)).minusMillis(1));
        assertFalse(again.started().contains("sched-due"), "the tick re-reads Vault and sees the new version");
        assertFalse(again.skipped().containsKey("sched-due"), "it does not even try");
        assertEquals(1, rotations("sched-due").size());
    }

    @Test
    @Order(3)
    void blackoutKeepsADueKeyFromRotatingAndItIsReportedOverdue() {
        RotationScheduler.TickReport late = scheduler.tick(MONTH_AHEAD.plus(Duration.ofHours(5)));
        assertFalse(late.started().contains("sched-blackout"));
        assertTrue(rotations("sched-blackout").isEmpty());
        assertTrue(late.overdue().contains("sched-blackout"), "past due for over 10 minutes");
        Api.management()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("checks.find { it.name == 'schedule' }.data.overdueKeys", containsString("sched-blackout"));
        String metrics = Api.management().get("/q/metrics").asString();
        assertTrue(
                metrics.lines().anyMatch(l -> l.startsWith("rotator_keys_overdue") && !l.endsWith(" 0.0")),
                metrics.lines()
                        .filter(l -> l.startsWith("rotator_keys_overdue"))
                        .toList()
                        .toString());
        assertTrue(metrics.contains("rotator_key_age_seconds{key=\"sched-due\""));
        // The schedule's lists name keys: a role limited to live keys learns no test key's id from them.
        List<String> seen = given().header("Authorization", "Bearer live-viewer-token")
                .get("/api/v1/schedule")
                .then()
                .statusCode(200)
                .extract()
                .path("overdueKeys");
        assertEquals(List.of(), seen, "no test key id to a live-only role");
        List<String> all = asAdmin().get("/api/v1/schedule").path("overdueKeys");
        assertTrue(all.contains("sched-blackout"), all.toString());
    }

    private static List<Object> rotations(String keyId) {
        return asAdmin()
                .get("/api/v1/rotations?keyId=" + keyId)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("$");
    }

    @Test
    @Order(10)
    void failedScheduledRotationsBackOffThenStopForAPerson() {
        Instant due = keys.current("sched-fails").orElseThrow().rotatedAt().plus(Duration.ofDays(60));
        // Backoff counts from each failure's end: 1 h after the first, 2 h after the second; the third stops
        // the scheduler for this key version.
        Instant tick = due.plus(Duration.ofMinutes(1));
        for (int i = 0; i < 3; i++) {
            RotationScheduler.TickReport report = scheduler.tick(tick);
            assertTrue(report.started().contains("sched-fails"), "try " + (i + 1) + ": " + report);
            String id = asAdmin()
                    .get("/api/v1/rotations?keyId=sched-fails&limit=1")
                    .then()
                    .extract()
                    .path("[0].id");
            Instant failed = Instant.parse(awaitState(id, "ROLLED_BACK", 30).path("updatedAt"));
            RotationScheduler.TickReport next = scheduler.tick(tick.plus(Duration.ofMinutes(1)));
            assertFalse(next.started().contains("sched-fails"), "not retried a minute later");
            assertTrue(
                    next.skipped().get("sched-fails").contains(i < 2 ? "next try not before" : "rotate it by hand"),
                    next.skipped().get("sched-fails"));
            tick = failed.plus(Duration.ofHours(1L << i)).plus(Duration.ofSeconds(1));
        }
        assertEquals(3, rotations("sched-fails").size(), "three tries, no storm");
        assertFalse(
                scheduler.tick(tick.plus(Duration.ofDays(40))).started().contains("sched-fails"),
                "stopped until a person rotates it");
        assertTrue(Api.management()
                .get("/q/health/ready")
                .<String>path("checks.find { it.name == 'schedule' }.data.stoppedKeys")
                .contains("sched-fails"));
        Map<String, String> stopped = given().header("Authorization", "Bearer live-viewer-token")
                .get("/api/v1/schedule")
                .path("stoppedKeys");
        assertEquals(Map.of(), stopped, "no test key id to a live-only role");
        Map<String, String> all = asAdmin().get("/api/v1/schedule").path("stoppedKeys");
        assertTrue(all.containsKey("sched-fails"), all.toString());
    }
}
