package dev.kashierrotator.schedule;

import static dev.kashierrotator.testing.Api.asAdmin;
import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.testing.Api;
import dev.kashierrotator.testing.OpenBao;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The pause switch against the running service and a real OpenBao: a key that is always due ({@code every
 * 1s}) does not start by schedule while the switch is on, still rotates by hand, and starts again once the
 * pause is lifted or runs out. The state is the document in Vault, so what another replica writes there is
 * what this one reads.
 */
@QuarkusTest
@TestProfile(SchedulePauseTest.AlwaysDue.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SchedulePauseTest {

    private static final String KEY = "pause-due";
    /** A state prefix of its own: the OpenBao server is shared with other test classes, a pause is not. */
    private static final String PREFIX = "kashier-rotator-pause-test";

    private static final String PATH = "secret/data/" + PREFIX + "/schedule/pause";

    @Inject
    RotationScheduler scheduler;

    @Test
    @Order(1)
    void aViewerSeesTheScheduleRunningAndMayNotPauseIt() {
        as("viewer").get("/api/v1/schedule").then().statusCode(200).body("paused", equalTo(false));
        as("viewer")
                .contentType("application/json")
                .body(Map.of("reason", "change freeze", "for", "2h"))
                .post("/api/v1/schedule/pause")
                .then()
                .statusCode(403);
        as("viewer").get("/api/v1/schedule").then().body("paused", equalTo(false));
    }

    @Test
    @Order(2)
    void aPauseWithoutAReasonOrAnExpiryWithinTheLimitIsRefusedNamingTheField() {
        refused(Map.of("for", "2h"), "reason", "required");
        refused(Map.of("reason", "freeze"), "until", "exactly one of until");
        refused(Map.of("reason", "freeze", "for", "2h", "until", future(60)), "until", "exactly one");
        refused(Map.of("reason", "freeze", "until", "tomorrow"), "until", "not an ISO instant");
        refused(
                Map.of(
                        "reason",
                        "freeze",
                        "until",
                        Instant.now().minusSeconds(60).toString()),
                "until",
                "future");
        refused(Map.of("reason", "freeze", "for", "8d"), "until", "at most 168 h");
        refused(Map.of("reason", "freeze", "for", "soon"), "for", "not a duration");
        refused(
                Map.of("reason", "key 123e4567-e89b-12d3-a456-426614174000 leaked", "for", "2h"),
                "reason",
                "looks like it holds a Kashier key");
        as("viewer").get("/api/v1/schedule").then().body("paused", equalTo(false));
    }

    @Test
    @Order(3)
    void whilePausedADueKeyDoesNotStartByScheduleButStillRotatesByHand() {
        as("operator")
                .contentType("application/json")
                .body(Map.of("reason", "Black Friday freeze", "for", "2h"))
                .post("/api/v1/schedule/pause")
                .then()
                .statusCode(200)
                .body("paused", equalTo(true))
                .body("by", equalTo("operator-user"))
                .body("reason", equalTo("Black Friday freeze"));

        RotationScheduler.TickReport report = scheduler.tick(Instant.now().plusSeconds(5));
        assertFalse(report.started().contains(KEY), report.toString());
        assertTrue(report.skipped().get(KEY).startsWith("schedule paused by operator-user until "), report.toString());
        assertEquals(0, rotations().size(), "nothing started by schedule");

        Api.management()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("checks.find { it.name == 'schedule' }.data.paused", containsString("until "))
                // Unauthenticated: no free text (edges review L2); who and why are in the API.
                .body("checks.find { it.name == 'schedule' }.data.paused", not(containsString("Black Friday")))
                .body("checks.find { it.name == 'schedule' }.data.paused", not(containsString("operator-user")));
        assertTrue(
                Api.management()
                        .get("/q/metrics")
                        .asString()
                        .lines()
                        .anyMatch(l -> l.equals("rotator_schedule_paused 1.0")),
                "the paused gauge is up");
        assertTrue(
                audit().stream()
                        .anyMatch(e -> "schedule.pause".equals(e.get("action"))
                                && "operator-user".equals(e.get("actor"))
                                && String.valueOf(e.get("detail")).contains("Black Friday freeze")),
                "the pause is in the audit trail with its reason");

        String id = rotate(KEY, "leaked in a screenshot; the freeze does not hold this back");
        awaitState(id, "COMPLETED", 30).then().body("trigger", equalTo("manual"));
    }

    @Test
    @Order(4)
    void theSwitchIsTheDocumentInVaultWhicheverReplicaWroteIt() {
        // Another replica lifts the pause: this one reads Vault, not what it remembers.
        OpenBao.get()
                .api(
                        "POST",
                        PATH,
                        "{\"data\": {\"paused\": \"false\", \"reason\": \"lifted elsewhere\", \"by\": \"replica-b\","
                                + " \"at\": \"" + Instant.now() + "\"}}");
        as("viewer")
                .get("/api/v1/schedule")
                .then()
                .body("paused", equalTo(false))
                .body("by", equalTo("replica-b"))
                .body("until", nullValue());
    }

    @Test
    @Order(5)
    void aPauseRunsOutByItselfAndOnlyOneTickRecordsIt() {
        Instant until = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        as("oncall")
                .contentType("application/json")
                .body(Map.of("reason", "maintenance window", "until", until.toString()))
                .post("/api/v1/schedule/pause")
                .then()
                .statusCode(200)
                .body("until", equalTo(until.toString()));

        RotationScheduler.TickReport after = scheduler.tick(until.plusSeconds(1));
        assertTrue(after.started().contains(KEY), "the schedule runs again once the pause ran out: " + after);
        as("viewer")
                .get("/api/v1/schedule")
                .then()
                .body("paused", equalTo(false))
                .body("by", equalTo("expiry"))
                .body("reason", containsString("ran out"));
        scheduler.tick(until.plusSeconds(2));
        long resumes = audit().stream()
                .filter(e -> "schedule.resume".equals(e.get("action")) && "scheduler".equals(e.get("actor")))
                .count();
        assertEquals(1, resumes, "the end of the pause is recorded once");
    }

    @Test
    @Order(6)
    void aPersonLiftsAPauseByHand() {
        as("operator")
                .contentType("application/json")
                .body(Map.of("reason", "freeze", "for", "3h"))
                .post("/api/v1/schedule/pause")
                .then()
                .statusCode(200);
        as("operator")
                .contentType("application/json")
                .body(Map.of("reason", "freeze over early"))
                .post("/api/v1/schedule/resume")
                .then()
                .statusCode(200)
                .body("paused", equalTo(false))
                .body("reason", equalTo("freeze over early"));
        as("viewer")
                .contentType("application/json")
                .body(Map.of())
                .post("/api/v1/schedule/resume")
                .then()
                .statusCode(403);
    }

    private static void refused(Map<String, String> body, String field, String message) {
        as("operator")
                .contentType("application/json")
                .body(body)
                .post("/api/v1/schedule/pause")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo(field))
                .body("errors[0].message", containsString(message));
    }

    private static String future(int minutes) {
        return Instant.now().plus(Duration.ofMinutes(minutes)).toString();
    }

    private static RequestSpecification as(String role) {
        return given().header("Authorization", "Bearer " + role + "-token");
    }

    private static List<Object> rotations() {
        return asAdmin()
                .get("/api/v1/rotations?keyId=" + KEY)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("$");
    }

    private static List<Map<String, Object>> audit() {
        return asAdmin()
                .get("/api/v1/audit?limit=200")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("$");
    }

    /** The usual test world plus a payment key that is due a second after it was seeded. */
    public static class AlwaysDue implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(World.class));
        }
    }

    public static class World extends RotatorTestResource {
        @Override
        public Map<String, String> start() {
            Map<String, String> c = new HashMap<>(super.start());
            key(c, KEY, "main", "test", "payment-api-key", "200ms");
            c.put("rotator.keys." + KEY + ".schedule.every", "1s");
            c.put("rotator.vault.state-prefix", PREFIX);
            // Not even the first tick: the key is always due and would start before a test could pause it.
            c.put("rotator.schedule.first-tick", "1h");
            return c;
        }
    }
}
