package dev.kashierrotator.rotation;

import static dev.kashierrotator.testing.Api.rotate;
import static dev.kashierrotator.testing.Api.rotation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.sim.KashierSimulator;
import dev.kashierrotator.testing.CrashingHooks;
import dev.kashierrotator.testing.CrashingHooks.Point;
import dev.kashierrotator.testing.Dependents;
import dev.kashierrotator.testing.Person;
import dev.kashierrotator.vault.VaultKv;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The crash matrix in production (manual) mode: a rotation stopped dead before or after each step, or
 * mid-rollout, is resumed from Vault, while the test plays the person at the Kashier dashboard, doing
 * only what the rotation's instructions say. The person is asked for each action once, and the result
 * is what the simulator path gives: one key made, promoted once, every dependent on it.
 */
@QuarkusTest
@TestProfile(ManualDashboardTest.Manual.class)
class ManualCrashMatrixTest {

    private static final String MID = "MID-2000-002";
    private static final Pattern USER = Pattern.compile("change the secret key of (?:the standby )?user '([^']+)'");
    private static final Pattern FINGERPRINT = Pattern.compile("with fingerprint ([0-9a-f]{16})");
    private static final Person PERSON = new Person(MID);

    @Inject
    CrashingHooks crashes;

    @Inject
    RotationEngine engine;

    @Inject
    KeyStore keys;

    @Inject
    KashierSimulator kashier;

    @Inject
    VaultKv kv;

    static Stream<Point> points() {
        return Stream.of(
                        CrashMatrixTest.paymentPoints(),
                        CrashMatrixTest.secretPoints(),
                        CrashMatrixTest.alternatingPoints())
                .flatMap(s -> s);
    }

    @ParameterizedTest(name = "manual, crash {0}")
    @MethodSource("points")
    void aManualRotationResumesAfterACrashAndAsksThePersonOncePerAction(Point point) {
        String keyId = point.keyId();
        StoredKey old = keys.current(keyId).orElseThrow();
        Instant started = Instant.now().minusMillis(5);
        crashes.arm(point);
        String id = rotate(keyId, "manual crash matrix " + point);

        Map<String, Integer> asked = new HashMap<>();
        String[] fresh = new String[1];
        boolean[] resumed = new boolean[1];
        Response[] last = new Response[1];
        // Looked at once and every 25 ms (100 ms cost each point about a quarter of a second: the person's two
        // answers and the end are each seen one poll late).
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(25))
                .until(() -> {
                    if (crashes.fired() != null && !resumed[0]) {
                        // "Restart": a replica with the same name picks up what Vault holds, once the crashed
                        // run has let go of its hold (until then a resume skips it). Asked again at each poll
                        // until it takes; if the engine's own resume tick took it first, the asking is harmless.
                        resumed[0] = engine.resumeUnfinished() > 0;
                    }
                    last[0] = rotation(id);
                    String state = last[0].path("state");
                    if ("AWAITING_DASHBOARD".equals(state)) {
                        String step = last[0].path("steps.find { it.state == 'RUNNING' }.name");
                        String detail = last[0].path("steps.find { it.state == 'RUNNING' }.detail");
                        String since = last[0].path("awaitingDashboardSince");
                        if (asked.merge(step + "@" + since, 1, Integer::sum) == 1) {
                            actAsThePerson(id, keyId, step, detail, fresh);
                        }
                    }
                    return "COMPLETED".equals(state) || "FAILED".equals(state) || "ROLLED_BACK".equals(state);
                });
        assertEquals(
                "COMPLETED", last[0].path("state"), "ended " + last[0].path("state") + ": " + last[0].path("error"));
        assertEquals(point, crashes.fired(), "the crash happened where it was armed");
        asked.keySet().stream()
                .map(k -> k.substring(0, k.indexOf('@')))
                .distinct()
                .forEach(step -> assertEquals(
                        1,
                        asked.keySet().stream()
                                .filter(k -> k.startsWith(step + "@"))
                                .count(),
                        "the person was asked for " + step + " once: " + asked));

        java.util.List<String> details = last[0].path("steps.detail");
        assertTrue(
                details.stream().noneMatch(d -> d == null || d.contains("null")),
                "every step says what happened, in words a person can read: " + details);
        String newFingerprint = last[0].path("newFingerprint");
        assertEquals(Fingerprints.of(fresh[0]), newFingerprint, "the key the person made is the one rolled out");
        StoredKey current = keys.current(keyId).orElseThrow();
        assertEquals(newFingerprint, current.fingerprint());
        assertEquals(old.version() + 1, current.version(), "promoted exactly once");
        assertTrue(keys.pending(keyId, "any").isEmpty());
        assertEquals(
                newFingerprint, Dependents.get("crash-hook").fingerprint(keyId).orElseThrow());
        assertEquals(
                newFingerprint,
                kv.read("apps/crash/" + keyId).orElseThrow().data().get("fingerprint"));
        long made = kashier.list(Mode.TEST, MID).stream()
                .filter(k -> !k.createdAt().isBefore(started)
                        && (k.kind().equals("payment-api-key")
                                || k.user() != null && k.user().startsWith("crash-")
                                || "svc-crash".equals(k.user())))
                .count();
        assertEquals(1, made, "exactly one key made in the dashboard");
        if (keyId.equals("crash-pay")) {
            assertTrue(!kashier.authenticatesPaymentKey(Mode.TEST, MID, old.fingerprint()), "old key deleted");
        }
        if (keyId.equals("crash-alt")) {
            assertTrue(kashier.authenticates(Mode.TEST, old.value()), "the previous user's key still works");
        }
    }

    /** Does in the simulator's dashboard what the instructions say, and answers. */
    private static void actAsThePerson(String id, String keyId, String step, String detail, String[] fresh) {
        switch (step) {
            case "ISSUE_NEW_KEY" -> {
                fresh[0] = PERSON.makePaymentKey();
                Person.confirm(id, Map.of("newKey", fresh[0])).then().statusCode(202);
            }
            case "CHANGE_SECRET_KEY" -> {
                Matcher m = USER.matcher(detail);
                assertTrue(m.find(), "names the user: " + detail);
                fresh[0] = PERSON.changeSecretKey(m.group(1));
                Person.confirm(id, Map.of("newKey", fresh[0])).then().statusCode(202);
            }
            case "EXPIRE_OLD_KEY" -> {
                Matcher m = FINGERPRINT.matcher(detail);
                assertTrue(m.find(), "names the key to delete: " + detail);
                PERSON.deletePaymentKey(m.group(1));
                Person.confirm(id, Map.of()).then().statusCode(202);
            }
            default -> throw new AssertionError("asked for an unknown step " + step + ": " + detail);
        }
    }
}
