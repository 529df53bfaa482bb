package dev.kashierrotator.rotation;

import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.sim.KashierSimulator;
import dev.kashierrotator.testing.Api;
import dev.kashierrotator.testing.CrashingHooks;
import dev.kashierrotator.testing.CrashingHooks.Point;
import dev.kashierrotator.testing.CrashingHooks.When;
import dev.kashierrotator.testing.Dependents;
import dev.kashierrotator.testing.RotatorTestResource;
import dev.kashierrotator.vault.VaultKv;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The crash matrix: a rotation stopped dead before or after each step, or in the middle of its rollout,
 * is resumed from what Vault holds and still ends COMPLETED with exactly one new key issued on the
 * Kashier side, the key promoted exactly once, no key lost and every dependent on the new key.
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class CrashMatrixTest {

    private static final String MID = "MID-2000-002";

    @Inject
    CrashingHooks crashes;

    @Inject
    RotationEngine engine;

    @Inject
    KeyStore keys;

    @Inject
    KashierSimulator simulator;

    @Inject
    VaultKv kv;

    /** Stopped before and after each step of the plan, and in the middle of the rollout. */
    static Stream<Point> pointsOf(String keyId, List<StepName> plan) {
        List<Point> points = new ArrayList<>();
        for (String step : plan.stream().map(StepName::name).toList()) {
            points.add(new Point(keyId, When.BEFORE, step));
            points.add(new Point(keyId, When.AFTER, step));
        }
        points.add(new Point(keyId, When.DURING_ROLLOUT, null));
        return points.stream();
    }

    static Stream<Point> paymentPoints() {
        return pointsOf("crash-pay", Plans.PAYMENT);
    }

    static Stream<Point> secretPoints() {
        return pointsOf("crash-secret", Plans.SECRET);
    }

    static Stream<Point> alternatingPoints() {
        return pointsOf("crash-alt", Plans.ALTERNATING);
    }

    @ParameterizedTest(name = "alternating users, crash {0}")
    @MethodSource("alternatingPoints")
    void alternatingRotationResumesAfterCrash(Point point) {
        StoredKey old = keys.current("crash-alt").orElseThrow();
        Instant started = Instant.now().minusMillis(5);
        Response done = crashThenResume(point, "crash-alt");

        String fresh = done.path("newFingerprint");
        String toUser = done.path("toUser");
        List<KashierSimulator.DashboardKey> changed = simulator.list(Mode.TEST, MID).stream()
                .filter(k -> k.kind().equals("secret-key") && !k.createdAt().isBefore(started))
                .toList();
        assertEquals(1, changed.size(), "exactly one user's key was changed");
        assertEquals(toUser, changed.get(0).user());
        assertEquals(fresh, changed.get(0).fingerprint());
        assertTrue(simulator.authenticates(Mode.TEST, old.value()), "the previous user's key still works");
        assertEquals(toUser, keys.current("crash-alt").orElseThrow().user().orElseThrow());
        assertPromotedOnceAndDistributed("crash-alt", old, fresh);
    }

    @ParameterizedTest(name = "payment key, crash {0}")
    @MethodSource("paymentPoints")
    void paymentRotationResumesAfterCrash(Point point) {
        StoredKey old = keys.current("crash-pay").orElseThrow();
        Instant started = Instant.now().minusMillis(5);
        Response done = crashThenResume(point, "crash-pay");

        String fresh = done.path("newFingerprint");
        List<KashierSimulator.DashboardKey> issued = simulator.list(Mode.TEST, MID).stream()
                .filter(k ->
                        k.kind().equals("payment-api-key") && !k.createdAt().isBefore(started))
                .toList();
        assertEquals(1, issued.size(), "exactly one key issued on the Kashier side");
        assertEquals(fresh, issued.get(0).fingerprint());
        assertTrue(issued.get(0).active(), "the new key is active");
        assertTrue(
                simulator.list(Mode.TEST, MID).stream()
                        .filter(k -> k.fingerprint().equals(old.fingerprint()))
                        .noneMatch(KashierSimulator.DashboardKey::active),
                "the old key is expired after grace");
        assertPromotedOnceAndDistributed("crash-pay", old, fresh);
    }

    @ParameterizedTest(name = "secret key, crash {0}")
    @MethodSource("secretPoints")
    void secretRotationResumesAfterCrash(Point point) {
        StoredKey old = keys.current("crash-secret").orElseThrow();
        Instant started = Instant.now().minusMillis(5);
        Response done = crashThenResume(point, "crash-secret");

        String fresh = done.path("newFingerprint");
        List<KashierSimulator.DashboardKey> changed = simulator.list(Mode.TEST, MID).stream()
                .filter(k -> "svc-crash".equals(k.user()) && !k.createdAt().isBefore(started))
                .toList();
        assertEquals(1, changed.size(), "the secret key was changed exactly once");
        assertEquals(fresh, changed.get(0).fingerprint());
        assertNotNull(done.path("exposureWindowMs"));
        assertPromotedOnceAndDistributed("crash-secret", old, fresh);
    }

    private Response crashThenResume(Point point, String keyId) {
        crashes.arm(point);
        String id = rotate(keyId, "crash matrix " + point);
        // Looked at once and every 25 ms: Awaitility's first look after 100 ms cost each point twice that.
        await().atMost(Duration.ofSeconds(20))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(25))
                .until(() -> crashes.fired() != null);
        // "Restart": a replica with the same name picks up what Vault holds (the periodic tick would too),
        // once the crashed run has let go of its hold: until then a resume skips it as still held.
        await().atMost(Duration.ofSeconds(20))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(25))
                .until(() -> engine.resumeUnfinished() > 0
                        || "COMPLETED"
                                .equals(Api.asAdmin()
                                        .get("/api/v1/rotations/" + id)
                                        .path("state")));
        Response done = awaitState(id, "COMPLETED", 30);
        assertEquals(point, crashes.fired(), "the crash happened where it was armed");
        return done;
    }

    private void assertPromotedOnceAndDistributed(String keyId, StoredKey old, String fresh) {
        StoredKey current = keys.current(keyId).orElseThrow();
        assertEquals(fresh, current.fingerprint(), "Vault serves the new key");
        assertEquals(old.version() + 1, current.version(), "promoted exactly once");
        assertEquals(
                old.fingerprint(),
                keys.version(keyId, old.version()).orElseThrow().fingerprint(),
                "the previous key is kept as the version before");
        assertTrue(keys.pending(keyId, "any").isEmpty());
        assertEquals(fresh, Dependents.get("crash-hook").fingerprint(keyId).orElseThrow(), "webhook dependent");
        assertEquals(
                fresh, kv.read("apps/crash/" + keyId).orElseThrow().data().get("fingerprint"), "vault-kv dependent");
    }
}
