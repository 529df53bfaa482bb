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

import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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

    private static final Instant MONTH_AHEAD = Instant.now().plus(Duration.ofDays(30)).plus(Duration.ofMinutes(1));

    @Inject
    RotationScheduler scheduler;

    @Test
    @Order(1)
    void dueKeyRotatesWithTriggerScheduledAndRunningKeyIsSkipped() {
        String busy = rotate("sched-busy", "keeps the key busy through its one-hour grace");

        RotationScheduler.TickReport report = scheduler.tick(MONTH_AHEAD);
        assertEquals(List.of("sched-due"), report.started(), "only the due key without a running rotation starts");
        assertTrue(report.skipped().get("sched-busy").contains(busy), "a key with a running rotation is skipped");
        assertEquals(1, rotations("sched-busy").size());

        String id = asAdmin().get("/api/v1/rotations?keyId=sched-due").then().extract().path("[0].id");
        awaitState(id, "COMPLETED", 30).then()
                .body("trigger", equalTo("scheduled"))
                .body("requestedBy", equalTo("scheduler"))
                .body("reason", startsWith("scheduled: due since"));
    }

    @Test
    @Order(2)
    void aKeyRotatedSinceTheLastLookIsNotRotatedAgain() {
        // Just before the new key falls due, while the scheduler still remembers the old version as due.
        Instant rotatedAt = Instant.parse(asAdmin().get("/api/v1/keys/sched-due").path("lastRotatedAt"));
        RotationScheduler.TickReport again = scheduler.tick(rotatedAt.plus(Duration.ofDays(30)).minusMillis(1));
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
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'schedule' }.data.overdueKeys", containsString("sched-blackout"));
        String metrics = given().get("/q/metrics").asString();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("rotator_keys_overdue") && !l.endsWith(" 0.0")), metrics
                .lines().filter(l -> l.startsWith("rotator_keys_overdue")).toList().toString());
        assertTrue(metrics.contains("rotator_key_age_seconds{key=\"sched-due\""));
    }

    private static List<Object> rotations(String keyId) {
        return asAdmin().get("/api/v1/rotations?keyId=" + keyId).then().statusCode(200).extract().jsonPath()
                .getList("$");
    }
}
