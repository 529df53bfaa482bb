package dev.kashierrotator.rotation;

import static dev.kashierrotator.testing.Api.asAdmin;
import static dev.kashierrotator.testing.Api.awaitRotation;
import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.schedule.RotationScheduler;
import dev.kashierrotator.sim.KashierSimulator;
import dev.kashierrotator.testing.Api;
import dev.kashierrotator.testing.Dependents;
import dev.kashierrotator.testing.Person;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The person's side of manual mode: answers sent twice or racing, aborts at each human step, and a
 * scheduled rotation that parks for a person at 03:00.
 */
@QuarkusTest
@TestProfile(ManualDashboardTest.Manual.class)
class ManualStepsTest {

    private static final String MID = "MID-2000-002";
    private static final Person PERSON = new Person(MID);

    @Inject
    KeyStore keys;

    @Inject
    KashierSimulator kashier;

    @Inject
    RotationScheduler scheduler;

    @Test
    void theSameAnswerTwiceIsTakenOnceAndADifferentOneIsRefused() {
        String id = rotate("man-pay", "answered twice");
        awaitState(id, "AWAITING_DASHBOARD", 30);
        String first = PERSON.makePaymentKey();
        String second = PERSON.makePaymentKey();
        Person.confirm(id, Map.of("newKey", first)).then().statusCode(202);
        Person.confirm(id, Map.of("newKey", first)).then().statusCode(202);
        Person.confirm(id, Map.of("newKey", second))
                .then()
                .statusCode(409)
                .body("detail", containsString(Fingerprints.of(first)))
                .body("detail", containsString("delete that one (fingerprint " + Fingerprints.of(second) + ")"));
        finishPaymentRotation(id);
        assertEquals(
                Fingerprints.of(first),
                Dependents.get("man-app").fingerprint("man-pay").orElseThrow());
    }

    @Test
    void ofTwoRacingAnswersExactlyOneIsTakenAndRolledOut() throws Exception {
        String id = rotate("man-pay", "two people answer at once");
        awaitState(id, "AWAITING_DASHBOARD", 30);
        List<String> pasted = List.of(PERSON.makePaymentKey(), PERSON.makePaymentKey());
        List<CompletableFuture<Integer>> answers = new ArrayList<>();
        for (String key : pasted) {
            answers.add(CompletableFuture.supplyAsync(
                    () -> Person.confirm(id, Map.of("newKey", key)).statusCode()));
        }
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<Integer> a : answers) {
            statuses.add(a.get());
        }
        assertEquals(1, statuses.stream().filter(s -> s == 202).count(), "one answer taken: " + statuses);
        assertEquals(1, statuses.stream().filter(s -> s == 409).count(), "the other refused: " + statuses);
        String taken = pasted.get(statuses.indexOf(202));
        finishPaymentRotation(id);
        assertEquals(
                Fingerprints.of(taken), keys.current("man-pay").orElseThrow().fingerprint());
        assertEquals(
                Fingerprints.of(taken),
                Dependents.get("man-app").fingerprint("man-pay").orElseThrow());
        assertEquals(
                Fingerprints.of(taken),
                Dependents.get("man-ref").fingerprint("man-pay").orElseThrow());
    }

    @Test
    void anAbortWhileAPersonIsAskedForANewKeyCallsTheStepOff() {
        StoredKey old = keys.current("man-pay").orElseThrow();
        String id = rotate("man-pay", "abort at the first step");
        awaitState(id, "AWAITING_DASHBOARD", 30);
        Person.abort(id, "not now").then().statusCode(202);
        awaitState(id, "ABORTED", 30)
                .then()
                .body(
                        "steps.find { it.name == 'ISSUE_NEW_KEY' }.detail",
                        startsWith("Aborted before this was done: " + "do not do it now"));
        assertEquals(old.fingerprint(), keys.current("man-pay").orElseThrow().fingerprint());
        assertTrue(kashier.authenticatesPaymentKey(Mode.TEST, MID, old.fingerprint()));
    }

    @Test
    void anAbortWhileAPersonIsAskedToDeleteTheOldKeyIsRefusedAndTheStepCanBeFinished() {
        String id = rotate("man-pay", "abort at the last step");
        awaitState(id, "AWAITING_DASHBOARD", 30);
        StoredKey old = keys.current("man-pay").orElseThrow();
        Person.confirm(id, Map.of("newKey", PERSON.makePaymentKey())).then().statusCode(202);
        awaitRotation(
                id,
                30,
                r -> "AWAITING_DASHBOARD".equals(r.path("state"))
                        && "RUNNING".equals(r.path("steps.find { it.name == 'EXPIRE_OLD_KEY' }.state")));
        Person.abort(id, "not now").then().statusCode(409).body("detail", containsString("may have done so"));
        PERSON.deletePaymentKey(old.fingerprint());
        Person.confirm(id, Map.of()).then().statusCode(202);
        awaitState(id, "COMPLETED", 30);
    }

    @Test
    void aSingleUserSecretKeyChangeCanBeAbortedUntilThePersonDoesIt() {
        StoredKey old = keys.current("man-secret").orElseThrow();
        String id = rotate("man-secret", "abort before changing");
        awaitState(id, "AWAITING_DASHBOARD", 30);
        Person.abort(id, "not now").then().statusCode(202);
        awaitState(id, "ABORTED", 30)
                .then()
                .body("steps.find { it.name == 'CHANGE_SECRET_KEY' }.detail", startsWith("Aborted before"));
        assertTrue(kashier.authenticates(Mode.TEST, old.value()), "nothing was changed");

        // Once the person has changed it, the old key is dead: too late, and the step is answered instead.
        String again = rotate("man-secret", "abort after changing");
        awaitState(again, "AWAITING_DASHBOARD", 30);
        String changed = PERSON.changeSecretKey("man-svc");
        Person.abort(again, "not now")
                .then()
                .statusCode(409)
                .body("detail", containsString("no working key to go back to"));
        Person.confirm(again, Map.of("newKey", changed)).then().statusCode(202);
        awaitState(again, "COMPLETED", 30);
        assertEquals(
                Fingerprints.of(changed),
                Dependents.get("man-app").fingerprint("man-secret").orElseThrow());
    }

    @Test
    void aScheduledRotationAtThreeInTheMorningParksForAPersonAndSaysSo() {
        StoredKey old = keys.current("man-sched").orElseThrow();
        Instant threeAm = LocalDate.now(ZoneOffset.UTC)
                .plusDays(1)
                .atTime(3, 0)
                .toInstant(ZoneOffset.UTC)
                .plus(Duration.ofMinutes(1));
        RotationScheduler.TickReport report = scheduler.tick(threeAm);
        assertTrue(report.started().contains("man-sched"), "due at 03:00: " + report);
        String id = asAdmin()
                .get("/api/v1/rotations?keyId=man-sched&limit=1")
                .then()
                .extract()
                .path("[0].id");
        Response waiting = awaitState(id, "AWAITING_DASHBOARD", 30);
        waiting.then()
                .body("trigger", equalTo("scheduled"))
                .body("steps.find { it.name == 'ISSUE_NEW_KEY' }.detail", containsString(MID));
        assertTrue(
                Api.management()
                        .get("/q/health/ready")
                        .<String>path("checks.find { it.name == 'dashboard-steps' }.data.waiting")
                        .contains(id),
                "readiness names it");
        assertTrue(
                Api.management()
                        .get("/q/metrics")
                        .asString()
                        .lines()
                        .anyMatch(l -> l.startsWith("rotator_rotations_awaiting_dashboard ") && !l.endsWith(" 0.0")),
                "the metric the alert reads counts it");
        Person.confirm(id, Map.of("newKey", PERSON.makePaymentKey())).then().statusCode(202);
        awaitRotation(
                id,
                30,
                r -> "RUNNING".equals(r.path("steps.find { it.name == 'EXPIRE_OLD_KEY' }.state"))
                        && "AWAITING_DASHBOARD".equals(r.path("state")));
        PERSON.deletePaymentKey(old.fingerprint());
        Person.confirm(id, Map.of()).then().statusCode(202);
        awaitState(id, "COMPLETED", 30);
    }

    /** The person deletes the old key when asked and answers, as the instructions say. */
    private static void finishPaymentRotation(String id) {
        Response asked = awaitRotation(
                id,
                30,
                r -> "AWAITING_DASHBOARD".equals(r.path("state"))
                        && "RUNNING".equals(r.path("steps.find { it.name == 'EXPIRE_OLD_KEY' }.state")));
        String fingerprint = asked.path("oldFingerprint");
        assertTrue(asked.<String>path("steps.find { it.name == 'EXPIRE_OLD_KEY' }.detail")
                .contains(fingerprint));
        PERSON.deletePaymentKey(fingerprint);
        Person.confirm(id, Map.of()).then().statusCode(202);
        awaitState(id, "COMPLETED", 30);
    }
}
