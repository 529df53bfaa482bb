package dev.kashierrotator.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.inventory.KeyKind;
import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.inventory.RolloutPolicy;
import dev.kashierrotator.inventory.Strategy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The rules the rotation record keeps for itself, on the record alone (no engine, no store): the ones a step
 * or the runner used to apply by setting its fields, and that a second caller would have had to repeat.
 */
@Tag("fast")
class RotationRulesTest {

    private static final Instant T0 = Instant.parse("2026-11-29T03:00:00Z");
    private static final RolloutPolicy POLICY = new RolloutPolicy(
            Duration.ofSeconds(30),
            16,
            Duration.ofSeconds(60),
            3,
            Duration.ofSeconds(10),
            0,
            4,
            Duration.ofSeconds(30));
    private static final KeySpec SECRET = new KeySpec(
            "main-live-secret",
            "main",
            "MID-1234-567",
            Mode.LIVE,
            KeyKind.SECRET_KEY,
            Strategy.SINGLE_USER,
            "svc-api",
            List.of(),
            Optional.empty(),
            Duration.ofHours(24),
            POLICY);
    private static final KeySpec PAYMENT = new KeySpec(
            "main-live-payment",
            "main",
            "MID-1234-567",
            Mode.LIVE,
            KeyKind.PAYMENT_API_KEY,
            Strategy.SINGLE_USER,
            null,
            List.of(),
            Optional.empty(),
            Duration.ofHours(24),
            POLICY);

    @Test
    void aPlannedRotationStartsPendingWithItsKeysPlanAndWaves() {
        Rotation r = rotation(PAYMENT);

        assertEquals(RotationState.PENDING, r.state());
        assertEquals(Plans.PAYMENT, r.plan());
        assertTrue(r.steps().stream().allMatch(s -> s.state() == StepState.PENDING));
        assertEquals(List.of("checkout-api", "billing-api"), r.outcomes().stragglers());
        assertEquals(3, r.oldKey().version());
        assertEquals("0ld0ld0ld0ld0ld0", r.oldKey().fingerprint());
    }

    @Test
    void aWaitForAPersonCountsFromTheFirstUnansweredParkingAndRestartsOnlyOnceAnswered() {
        Rotation r = rotation(SECRET);
        Step change = r.step(StepName.CHANGE_SECRET_KEY);

        r.awaitPerson(change, "change the key", T0);
        assertTrue(r.resumeFromDashboard(), "a replica takes it up again without an answer (a restart)");
        r.awaitPerson(change, "change the key", T0.plusSeconds(600));
        assertEquals(T0, r.personWait().since(), "an unanswered wait keeps counting from when it began");

        r.answered(StepName.CHANGE_SECRET_KEY, "7e57e57e57e57e57", "oncall@example.com", T0.plusSeconds(900));
        assertTrue(r.resumeFromDashboard());
        assertEquals(RotationState.RUNNING, r.state());
        assertNull(r.personWait().since(), "answered: the next dashboard step waits from when it parks");
        assertFalse(r.resumeFromDashboard(), "only a waiting rotation resumes from the dashboard");
    }

    @Test
    void theOldKeyDiesOnceAndTheExposureRunsFromThenToTheLastConfirmation() {
        Rotation r = rotation(SECRET);

        r.oldKeyDied(T0.plusSeconds(5));
        r.oldKeyDied(T0.plusSeconds(60));
        assertEquals(T0.plusSeconds(5), r.oldKeyEnd().expiredAt(), "a change lost in a crash killed the key first");
        assertEquals(5_000L, r.oldKeyEnd().sinceRequestMs());

        List<DependentOutcome> all = r.outcomes().start(r.waves(), T0.plusSeconds(6));
        r.outcomes().finished(all.get(0), DependentState.CONFIRMED, null, T0.plusSeconds(7));
        r.outcomes().finished(all.get(1), DependentState.CONFIRMED, null, T0.plusSeconds(9));
        r.measureExposure(T0.plusSeconds(30));
        assertEquals(4_000L, r.oldKeyEnd().exposureWindowMs());
        assertEquals(2, r.outcomes().confirmed());
        assertEquals(List.of(), r.outcomes().stragglers());
    }

    @Test
    void aKeyThatNeverDiedHasNoExposure() {
        Rotation r = rotation(PAYMENT);

        r.measureExposure(T0.plusSeconds(30));

        assertNull(r.oldKeyEnd().exposureWindowMs());
    }

    @Test
    void anAnswerToAStepThatTakesNoKeyUnblocksDependentsBeforeItConfirmsTheStep() {
        Rotation r = rotation(PAYMENT);
        r.blockedBy(List.of("billing-api"));

        r.answered(StepName.EXPIRE_OLD_KEY, null, "oncall@example.com", T0);
        assertEquals(List.of(), r.personWait().blockedBy());
        assertEquals(List.of(), r.personWait().confirmedSteps(), "the answer was about the dependents, not the step");

        r.answered(StepName.EXPIRE_OLD_KEY, null, "oncall@example.com", T0.plusSeconds(1));
        assertEquals(List.of("EXPIRE_OLD_KEY"), r.personWait().confirmedSteps());
        assertEquals("oncall@example.com", r.personWait().answeredBy());
    }

    @Test
    void aFailureSkipsTheStepsThatNeverStartedAndKeepsWhatWasDone() {
        Rotation r = rotation(SECRET);
        r.step(StepName.CHANGE_SECRET_KEY).done("changed", T0);
        r.step(StepName.VERIFY_NEW_KEY).begin(T0);
        r.step(StepName.VERIFY_NEW_KEY).failed("Kashier said 401", T0.plusSeconds(1));

        r.failed("VERIFY_NEW_KEY: Kashier said 401");

        assertEquals(RotationState.FAILED, r.state());
        assertEquals(
                List.of(StepState.DONE, StepState.FAILED, StepState.SKIPPED, StepState.SKIPPED),
                r.steps().stream().map(Step::state).toList());
    }

    @Test
    void aRollbackTellsThePersonNotToDoTheStepTheyWereAskedForAndResumesAsOneStep() {
        Rotation r = rotation(PAYMENT);
        Step issue = r.step(StepName.ISSUE_NEW_KEY);
        issue.begin(T0);
        r.awaitPerson(issue, "Issue a new payment API key", T0);
        r.abortRequested("oncall@example.com", "wrong key", T0.plusSeconds(30));

        Step back = r.rollBack(null, T0.plusSeconds(31));
        Step again = r.rollBack(null, T0.plusSeconds(40));

        assertEquals(back, again, "a rollback cut short is resumed, not started twice");
        assertEquals(T0.plusSeconds(31), again.startedAt());
        assertTrue(r.rollingBack());
        assertEquals(StepState.FAILED, issue.state());
        assertTrue(issue.detail().startsWith("Aborted before this was done: do not do it now."), issue.detail());
        assertEquals(
                1,
                r.steps().stream().filter(s -> s.name() == StepName.ROLL_BACK).count());
        assertEquals("aborted by oncall@example.com: wrong key", r.rollBackReason());

        r.rolledBack(again, RotationState.ABORTED, true, "0 of 0 dependent(s) back", r.rollBackReason(), T0);
        assertFalse(r.rollingBack());
        assertEquals(RotationState.ABORTED, r.state());
    }

    @Test
    void aRollbackRestoresOnlyTheDependentsThatTookTheKeyAndSaysWhichItCouldNot() {
        Rotation r = rotation(PAYMENT);
        List<DependentOutcome> all = r.outcomes().start(r.waves(), T0);
        r.outcomes().delivering(all.get(0));
        r.outcomes().accepted(all.get(0));
        r.outcomes().delivering(all.get(1));

        assertEquals(List.of("checkout-api"), r.outcomes().acceptedNewKey());
        assertEquals(
                List.of("billing-api"), r.outcomes().sentWithoutAnswer(), "sent, no answer: it may have applied it");

        r.outcomes().restored(List.of("checkout-api", "billing-api"), Map.of("billing-api", "HTTP 500"));
        assertEquals(DependentState.ROLLED_BACK, all.get(0).state());
        assertEquals(DependentState.ROLLBACK_FAILED, all.get(1).state());
        assertEquals("HTTP 500", all.get(1).error());
    }

    private static Rotation rotation(KeySpec key) {
        StoredKey current = new StoredKey(
                "not-a-key", "0ld0ld0ld0ld0ld0", Optional.empty(), T0.minus(Duration.ofDays(30)), 3, Optional.empty());
        return Rotation.planned(
                "rot-20261129T030000000Z-abc123",
                key,
                current,
                new RotationRequest("rules test", Trigger.MANUAL, "tester", OptionalLong.empty(), false, null),
                List.of(
                        new Wave(0).with(new DependentOutcome("checkout-api", "webhook")),
                        new Wave(1).with(new DependentOutcome("billing-api", "webhook"))),
                T0);
    }
}
