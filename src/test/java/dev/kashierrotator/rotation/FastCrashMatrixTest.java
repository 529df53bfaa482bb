package dev.kashierrotator.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.sim.KashierSimulator;
import dev.kashierrotator.sim.SimulatorSeeder;
import dev.kashierrotator.testing.ConfigMappings;
import dev.kashierrotator.testing.CrashingHooks;
import dev.kashierrotator.testing.CrashingHooks.Point;
import dev.kashierrotator.testing.DrivenTime;
import dev.kashierrotator.testing.InMemoryFleet;
import dev.kashierrotator.testing.InMemoryKv;
import dev.kashierrotator.testing.LocalDashboard;
import dev.kashierrotator.vault.VaultKeyStore;
import dev.kashierrotator.vault.VaultRotationStore;
import io.smallrye.config.PropertiesConfigSource;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fast tier of the crash matrix: the real engine and the real Vault stores (claims, leases, records,
 * keys) on an in-memory KV with Vault's check-and-set semantics, the Kashier simulator in process and
 * dependents in memory. No Quarkus, no OpenBao, and no wall-clock waits: the engine runs on
 * {@link DrivenTime}, so a grace period or a backoff passes when the test moves the clock, and the test
 * waits for the work due now to end rather than for seconds to pass. Each point gets a world of its own:
 * one that fails leaves nothing behind for the next. The same matrix against real OpenBao and HTTP
 * dependents stays the integration proof ({@link CrashMatrixTest}).
 */
@Tag("fast")
class FastCrashMatrixTest {

    private static final String MID = "MID-2000-002";
    /** Driven time a point may take: the longest wait in this world is a 200 ms grace period. */
    private static final Duration WITHIN = Duration.ofMinutes(5);

    private DrivenTime time;
    private CrashingHooks crashes;
    private RotationEngine engine;
    private KeyStore keys;
    private RotationStore records;
    private KashierSimulator kashier;
    private InMemoryFleet fleet;

    @BeforeEach
    void world() {
        Map<String, String> c = new HashMap<>();
        c.put("rotator.security.https-only", "false");
        c.put("rotator.kashier.dashboard", "simulator");
        c.put("rotator.kashier.simulator.enabled", "true");
        c.put("rotator.engine.instance-id", "fast-replica");
        c.put("rotator.engine.step-backoff", "20ms");
        c.put("rotator.rollout.soak", "0s");
        c.put("rotator.accounts.second.mid", MID);
        key(c, "crash-pay", "payment-api-key");
        c.put("rotator.keys.crash-pay.grace", "200ms");
        key(c, "crash-secret", "secret-key");
        c.put("rotator.keys.crash-secret.user", "svc-crash");
        key(c, "crash-alt", "secret-key");
        c.put("rotator.keys.crash-alt.strategy", "alternating-users");
        c.put("rotator.keys.crash-alt.users", "crash-one,crash-two");
        for (String d : List.of("crash-hook", "crash-later")) {
            String at = "rotator.dependents." + d + ".";
            c.put(at + "keys", "crash-pay,crash-secret,crash-alt");
            c.put(at + "wave", d.equals("crash-hook") ? "0" : "1");
            c.put(at + "type", "webhook");
            c.put(at + "url", "http://127.0.0.1:1/" + d);
            c.put(at + "verify-url", "http://127.0.0.1:1/" + d + "/fingerprints");
            c.put(at + "signing-secret", d + "-secret");
        }
        PropertiesConfigSource source = new PropertiesConfigSource(c, "fast", 100);
        RotatorConfig config = ConfigMappings.rotator(source);
        Inventory inventory = ConfigMappings.load(source);
        time = new DrivenTime(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        InMemoryKv kv = new InMemoryKv("secret");
        ObjectMapper json =
                new ObjectMapper().findAndRegisterModules().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        keys = new VaultKeyStore(kv, config);
        records = new VaultRotationStore(kv, json, config, time.clock());
        kashier = new KashierSimulator();
        LocalDashboard dashboard = new LocalDashboard(kashier);
        fleet = new InMemoryFleet();
        crashes = new CrashingHooks();
        new SimulatorSeeder(inventory, keys, kashier, dashboard, config).seed();
        engine = new RotationEngine(
                inventory,
                keys,
                records,
                dashboard,
                kashier::authenticates,
                fleet,
                crashes,
                EngineMetrics.NONE,
                Announcements.NONE,
                config,
                time.clock(),
                time);
    }

    @AfterEach
    void stop() {
        time.close();
        assertEquals(0, time.open(), "every executor the engine made is closed");
    }

    private static void key(Map<String, String> c, String id, String kind) {
        c.put("rotator.keys." + id + ".account", "second");
        c.put("rotator.keys." + id + ".mode", "test");
        c.put("rotator.keys." + id + ".kind", kind);
    }

    static Stream<Point> points() {
        return Stream.of(
                        CrashMatrixTest.paymentPoints(),
                        CrashMatrixTest.secretPoints(),
                        CrashMatrixTest.alternatingPoints())
                .flatMap(s -> s);
    }

    @ParameterizedTest(name = "fast, crash {0}")
    @MethodSource("points")
    void aRotationStoppedDeadAnywhereResumesAndCompletesOnce(Point point) {
        String keyId = point.keyId();
        StoredKey old = keys.current(keyId).orElseThrow();
        Set<String> before = kashierKeys();
        Rotation done =
                crashedAndResumed(point, new RotationRequest("fast crash matrix " + point, Trigger.MANUAL, "test"));
        assertCompletedOnce(done, old, before, 1);
        if (keyId.equals("crash-pay")) {
            assertTrue(!kashier.authenticatesPaymentKey(Mode.TEST, MID, old.fingerprint()), "old key expired");
        } else if (keyId.equals("crash-alt")) {
            assertTrue(kashier.authenticates(Mode.TEST, old.value()), "the previous user's key still works");
        } else {
            assertTrue(done.oldKeyEnd().exposureWindowMs() != null, "the exposure window is measured");
        }
    }

    /**
     * A step's end and the next step's start are one write of the record: no version of it shows a step
     * done and the next one not yet begun while the rotation runs. For a single-user key, whose old key dies
     * at the change, every write between the change and the fan-out is dead time.
     */
    @Test
    void eachStepBoundaryIsOneWriteOfTheRecord() {
        String id = engine.start("crash-secret", new RotationRequest("one write per boundary", Trigger.MANUAL, "test"))
                .id();
        time.runUntil(
                "rotation " + id + " ends",
                () -> records.get(id).orElseThrow().state().isFinal(),
                WITHIN);
        assertEquals(RotationState.COMPLETED, records.get(id).orElseThrow().state());
        int versions = 0;
        for (long v = 1; records.get(id, v).isPresent(); v++) {
            Rotation r = records.get(id, v).orElseThrow();
            versions++;
            List<Step> steps = r.steps();
            for (int i = 0; i + 1 < steps.size() && !r.state().isFinal(); i++) {
                assertFalse(
                        steps.get(i).state() == StepState.DONE
                                && steps.get(i + 1).state() == StepState.PENDING,
                        "version " + v + ": " + steps.get(i).name() + " done, "
                                + steps.get(i + 1).name() + " not begun");
            }
        }
        assertTrue(versions > Plans.SECRET.size(), "every version of the record was looked at: " + versions);
    }

    /** The ids of the keys on the Kashier side now. */
    private Set<String> kashierKeys() {
        return kashier.list(Mode.TEST, MID).stream().map(k -> k.id()).collect(Collectors.toSet());
    }

    /**
     * Arms the crash, starts the rotation, lets it die there, "restarts" (the crashed run has ended, so its
     * hold is let go and the rotation is found) and runs it to its end on driven time.
     */
    private Rotation crashedAndResumed(Point point, RotationRequest request) {
        crashes.arm(point);
        String id = engine.start(point.keyId(), request).id();
        time.runUntil("the crash at " + point, () -> crashes.fired() != null, WITHIN);
        assertEquals(1, engine.resumeUnfinished(), "the crashed rotation is resumed");
        time.runUntil(
                "rotation " + id + " ends",
                () -> records.get(id).orElseThrow().state().isFinal(),
                WITHIN);
        Rotation done = records.get(id).orElseThrow();
        assertEquals(RotationState.COMPLETED, done.state(), "ended " + done.state() + ": " + done.error());
        assertEquals(point, crashes.fired(), "the crash happened where it was armed");
        return done;
    }

    /** Kashier made {@code made} keys, Vault serves the new one promoted once, every dependent holds it. */
    private void assertCompletedOnce(Rotation done, StoredKey old, Set<String> before, long made) {
        String keyId = done.keyId();
        long madeNow = kashier.list(Mode.TEST, MID).stream()
                .filter(k -> !before.contains(k.id()))
                .count();
        assertEquals(made, madeNow, "no key made twice on the Kashier side");
        StoredKey current = keys.current(keyId).orElseThrow();
        assertEquals(done.newFingerprint(), current.fingerprint(), "Vault serves the new key");
        assertEquals(old.version() + 1, current.version(), "promoted exactly once");
        assertTrue(keys.pending(keyId, done.id()).isEmpty(), "nothing left pending");
        for (String dependent : List.of("crash-hook", "crash-later")) {
            assertEquals(
                    done.newFingerprint(), fleet.fingerprint(dependent, keyId).orElseThrow(), dependent);
        }
    }

    /** A crash point of an emergency rotation, and the order it was asked for in. */
    record EmergencyPoint(Point point, EmergencyOrder order) {
        @Override
        public String toString() {
            return order + " " + point;
        }
    }

    static Stream<EmergencyPoint> emergencyPoints() {
        return Stream.of(
                        CrashMatrixTest.pointsOf("crash-pay", Plans.PAYMENT_EMERGENCY_PUSH_FIRST)
                                .map(p -> new EmergencyPoint(p, EmergencyOrder.PUSH_FIRST)),
                        CrashMatrixTest.pointsOf("crash-pay", Plans.PAYMENT_EMERGENCY_REVOKE_FIRST)
                                .map(p -> new EmergencyPoint(p, EmergencyOrder.REVOKE_FIRST)),
                        CrashMatrixTest.pointsOf("crash-alt", Plans.ALTERNATING_EMERGENCY_PUSH_FIRST)
                                .map(p -> new EmergencyPoint(p, EmergencyOrder.PUSH_FIRST)),
                        CrashMatrixTest.pointsOf("crash-alt", Plans.ALTERNATING_EMERGENCY_REVOKE_FIRST)
                                .map(p -> new EmergencyPoint(p, EmergencyOrder.REVOKE_FIRST)))
                .flatMap(s -> s);
    }

    /**
     * The four emergency plans, stopped dead at every point: each resumes, completes once, leaves every
     * dependent on the new key and the leaked key dead. (A single-user secret key's emergency is its
     * routine plan, covered above.)
     */
    @ParameterizedTest(name = "fast, emergency, crash {0}")
    @MethodSource("emergencyPoints")
    void anEmergencyStoppedDeadAnywhereResumesAndCompletesOnce(EmergencyPoint emergency) {
        Point point = emergency.point();
        String keyId = point.keyId();
        StoredKey old = keys.current(keyId).orElseThrow();
        Set<String> before = kashierKeys();
        Rotation done = crashedAndResumed(
                point, RotationRequest.emergency("fast crash matrix " + emergency, "test", emergency.order()));
        // A payment key is issued once; an alternating key's standby is changed once and the leaked one once.
        assertCompletedOnce(done, old, before, keyId.equals("crash-pay") ? 1 : 2);
        if (keyId.equals("crash-pay")) {
            assertTrue(!kashier.authenticatesPaymentKey(Mode.TEST, MID, old.fingerprint()), "the leaked key expired");
        } else {
            assertTrue(!kashier.authenticates(Mode.TEST, old.value()), "the leaked key no longer works");
        }
    }
}
