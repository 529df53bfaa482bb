package dev.kashierrotator.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.inventory.KeyKind;
import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.inventory.RolloutPolicy;
import dev.kashierrotator.inventory.Strategy;
import dev.kashierrotator.kashier.ManualDashboard;
import dev.kashierrotator.testing.ConfigMappings;
import io.smallrye.config.PropertiesConfigSource;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every message the service can give a person, read the way the person reads it: for each kind of key,
 * each plan (routine, emergency push-first, emergency revoke-first) and each step that waits for a person,
 * plus the waits for dependents to be fixed. Each names the merchant and mode, the user or fingerprint
 * concerned, says how to answer and what happens next, and never says something untrue for its plan.
 */
@Tag("fast")
class InstructionsTest {

    private static final String MID = "MID-1234-567";
    private static final String ID = "rot-20261129T030000000Z-abc123";
    private static final RolloutPolicy POLICY = new RolloutPolicy(
            Duration.ofSeconds(30),
            16,
            Duration.ofSeconds(60),
            3,
            Duration.ofSeconds(10),
            0,
            4,
            Duration.ofSeconds(30));
    private static final KeySpec PAYMENT = new KeySpec(
            "main-live-payment",
            "main",
            MID,
            Mode.LIVE,
            KeyKind.PAYMENT_API_KEY,
            Strategy.SINGLE_USER,
            null,
            List.of(),
            Optional.empty(),
            Duration.ofHours(24),
            POLICY);
    private static final KeySpec SECRET = new KeySpec(
            "main-live-secret",
            "main",
            MID,
            Mode.LIVE,
            KeyKind.SECRET_KEY,
            Strategy.SINGLE_USER,
            "svc-api",
            List.of(),
            Optional.empty(),
            Duration.ofHours(24),
            POLICY);
    private static final KeySpec ALTERNATING = new KeySpec(
            "main-live-alt",
            "main",
            MID,
            Mode.LIVE,
            KeyKind.SECRET_KEY,
            Strategy.ALTERNATING_USERS,
            null,
            List.of("svc-blue", "svc-green"),
            Optional.empty(),
            Duration.ofHours(24),
            POLICY);
    private static final ManualDashboard DASHBOARD = new ManualDashboard(ConfigMappings.rotator(
            new PropertiesConfigSource(Map.of("rotator.public-url", "https://kkr.payments.example/"), "test", 100)));

    /** Every message, by where it is given. */
    private static Map<String, String> everyMessage() {
        Map<String, String> messages = new LinkedHashMap<>();
        for (KeySpec key : List.of(PAYMENT, SECRET, ALTERNATING)) {
            for (EmergencyOrder order :
                    new EmergencyOrder[] {null, EmergencyOrder.PUSH_FIRST, EmergencyOrder.REVOKE_FIRST}) {
                if (order != null && !key.isPaymentKey() && !key.alternates()) {
                    continue;
                }
                List<StepName> plan = Plans.of(key, order != null, order);
                for (StepName step : plan) {
                    Rotation r = rotation(key, plan, order);
                    Dashboard.NeedsPerson asked = ask(key, r, step);
                    if (asked != null) {
                        messages.put(
                                key.id() + " " + (order == null ? "routine" : order) + " " + step,
                                Instructions.forPerson(asked, r, key, step));
                    }
                }
            }
        }
        Rotation payment = rotation(PAYMENT, Plans.PAYMENT, null);
        payment.blockedBy(List.of("billing-api"));
        messages.put(
                "stragglers before expiry",
                Instructions.forPerson(
                        new Dashboard.NeedsPerson(Instructions.stragglers(
                                payment, PAYMENT, payment.personWait().blockedBy(), "billing-api: answered HTTP 500")),
                        payment,
                        PAYMENT,
                        StepName.EXPIRE_OLD_KEY));
        Rotation secret = rotation(SECRET, Plans.SECRET, null);
        secret.blockedBy(List.of("billing-api"));
        messages.put(
                "stranded after a change",
                Instructions.forPerson(
                        new Dashboard.NeedsPerson(Instructions.stranded(
                                secret, SECRET, secret.personWait().blockedBy(), "billing-api: answered HTTP 500")),
                        secret,
                        SECRET,
                        StepName.ROLLOUT));
        Rotation revoked = rotation(PAYMENT, Plans.PAYMENT_EMERGENCY_REVOKE_FIRST, EmergencyOrder.REVOKE_FIRST);
        revoked.blockedBy(List.of("billing-api"));
        messages.put(
                "stranded after a revoke-first expiry",
                Instructions.forPerson(
                        new Dashboard.NeedsPerson(Instructions.stranded(
                                revoked, PAYMENT, revoked.personWait().blockedBy(), "billing-api: answered HTTP 500")),
                        revoked,
                        PAYMENT,
                        StepName.ROLLOUT));
        return messages;
    }

    private static Rotation rotation(KeySpec key, List<StepName> plan, EmergencyOrder order) {
        StoredKey current = new StoredKey(
                "not-a-key",
                "0ld0ld0ld0ld0ld0",
                Optional.empty(),
                Instant.parse("2026-11-01T00:00:00Z"),
                3,
                Optional.ofNullable(key.alternates() ? "svc-blue" : null));
        RotationRequest request = new RotationRequest(
                "instructions test", Trigger.MANUAL, "tester", OptionalLong.empty(), order != null, order);
        Rotation r = Rotation.planned(
                ID,
                key,
                current,
                request,
                List.of(
                        new Wave(0).with(new DependentOutcome("checkout-api", "webhook")),
                        new Wave(1).with(new DependentOutcome("billing-api", "webhook"))),
                Instant.parse("2026-11-29T03:00:00Z"));
        assertEquals(plan, r.plan(), "the record plans what Plans says");
        r.newKey("7e57e57e57e57e57", null);
        return r;
    }

    /** What the manual dashboard says for the step, or null for a step that needs no person. */
    private static Dashboard.NeedsPerson ask(KeySpec key, Rotation r, StepName step) {
        try {
            switch (step) {
                case ISSUE_NEW_KEY -> DASHBOARD.issuePaymentKey(key);
                case CHANGE_SECRET_KEY -> DASHBOARD.changeSecretKey(key, key.alternates() ? r.toUser() : key.user());
                case EXPIRE_OLD_KEY -> {
                    if (key.isPaymentKey()) {
                        DASHBOARD.deletePaymentKey(key, null, r.oldKey().fingerprint());
                    } else {
                        DASHBOARD.expireSecretKey(key, r.fromUser());
                    }
                }
                default -> {
                    return null;
                }
            }
        } catch (Dashboard.NeedsPerson e) {
            return e;
        }
        throw new AssertionError("the manual dashboard did not ask a person for " + step);
    }

    @Test
    void everyMessageNamesWhereWhatHowToAnswerAndWhatFollows() {
        Map<String, String> messages = everyMessage();
        assertTrue(messages.size() == 15, "messages read: " + messages.keySet());
        messages.forEach((where, text) -> {
            assertTrue(text.contains(MID), where + ": names the merchant: " + text);
            assertTrue(text.contains("live mode"), where + ": names the mode: " + text);
            assertTrue(text.contains("/api/v1/rotations/" + ID + "/confirm"), where + ": says how to answer: " + text);
            assertTrue(text.contains("kkr confirm " + ID), where + ": names the command line's answer: " + text);
            assertFalse(text.contains("{id}"), where + ": no placeholder left: " + text);
            assertTrue(
                    text.contains("Next:") || text.contains("Revoke-first:"), where + ": says what follows: " + text);
            assertTrue(
                    text.contains("svc-") || text.contains("fingerprint"),
                    where + ": names the user or the key: " + text);
            assertFalse(text.contains("null"), where + ": nothing unknown: " + text);
        });
    }

    @Test
    void eachMessageIsTrueForItsKindAndPlan() {
        Map<String, String> m = everyMessage();
        String alternatingChange = m.get("main-live-alt routine CHANGE_SECRET_KEY");
        assertTrue(
                alternatingChange.contains("standby user 'svc-green'") && alternatingChange.contains("not 'svc-blue'"),
                alternatingChange);
        for (String where : m.keySet()) {
            if (where.startsWith("main-live-alt") && where.endsWith("CHANGE_SECRET_KEY")) {
                assertFalse(
                        m.get(where).contains("stops working"),
                        "an alternating change kills no key in use: " + m.get(where));
            }
        }
        assertTrue(m.get("main-live-secret routine CHANGE_SECRET_KEY").contains("stops working the moment you do"));
        assertTrue(m.get("main-live-payment routine ISSUE_NEW_KEY").contains("Do not delete any key now"));
        assertTrue(m.get("main-live-payment routine ISSUE_NEW_KEY").contains("grace period (1d)"));
        assertTrue(m.get("main-live-payment routine EXPIRE_OLD_KEY").contains("fingerprint 0ld0ld0ld0ld0ld0")
                && m.get("main-live-payment routine EXPIRE_OLD_KEY").contains("grace period is over"));
        assertTrue(
                m.get("main-live-payment revoke-first EXPIRE_OLD_KEY").contains("dependents still use this key"),
                "revoke-first says plainly that dependents fail until the rollout");
        assertFalse(m.get("main-live-payment revoke-first EXPIRE_OLD_KEY").contains("confirmed the new key"));
        assertTrue(m.get("main-live-payment push-first EXPIRE_OLD_KEY").contains("confirmed the new key"));
        assertTrue(m.get("main-live-alt push-first EXPIRE_OLD_KEY").contains("user 'svc-blue'")
                && m.get("main-live-alt push-first EXPIRE_OLD_KEY").contains("Do not send the new value"));
        assertTrue(m.get("stragglers before expiry").contains("is NOT expired")
                && m.get("stragglers before expiry").contains("billing-api")
                && !m.get("stragglers before expiry").contains("nothing uses the old key"));
        assertTrue(m.get("stranded after a change").contains("billing-api")
                && m.get("stranded after a change").contains("(user 'svc-api')"));
        assertFalse(m.get("stranded after a revoke-first expiry").contains("user"), "a payment key has no user");
        m.entrySet().stream()
                .filter(e -> e.getKey().startsWith("main-"))
                .forEach(e -> assertTrue(
                        e.getValue().contains("https://kkr.payments.example/api/v1/rotations/" + ID + "/confirm"),
                        "a dashboard step shows the service's own address, from rotator.public-url: " + e.getValue()));
    }
}
