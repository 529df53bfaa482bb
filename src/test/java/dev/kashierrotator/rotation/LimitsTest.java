package dev.kashierrotator.rotation;

import static dev.kashierrotator.testing.Api.asAdmin;
import static dev.kashierrotator.testing.Api.awaitRotation;
import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.sim.KashierSimulator;
import dev.kashierrotator.testing.Api;
import dev.kashierrotator.testing.Dependents;
import dev.kashierrotator.testing.FlakyProxy;
import dev.kashierrotator.testing.OpenBao;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Nothing waits forever and nothing is done twice, at the service's limits: more long rotations than
 * worker threads, Kashier's API down after an irreversible change, a dependent that cannot take a
 * secret key that already changed, a replica cut off from Vault and superseded, Vault stalling mid-answer.
 */
@QuarkusTest
@TestProfile(LimitsWorld.Profile.class)
class LimitsTest {

    private static final String MID = "MID-2000-002";

    @Inject
    KeyStore keys;

    @Inject
    KashierSimulator kashier;

    @Inject
    dev.kashierrotator.testing.CrashingHooks hooks;

    @AfterEach
    void vaultReachable() {
        LimitsWorld.VAULT.mode(FlakyProxy.Mode.PASS);
    }

    @Test
    void leasesStayRenewedWithMoreLongRotationsThanTheOldWorkerPool() {
        Instant started = Instant.now();
        List<String> ids = new ArrayList<>();
        LimitsWorld.LEASE_KEYS.forEach(k -> ids.add(rotate(k, "six at once, each waiting 4 s for its dependent")));
        Duration worst = Duration.ofDays(1);
        Instant deadline = Instant.now().plusSeconds(60);
        while (ids.stream().anyMatch(id -> !"COMPLETED".equals(Api2.state(id)))) {
            assertTrue(Instant.now().isBefore(deadline), "rotations did not complete in 60 s");
            for (int i = 0; i < ids.size(); i++) {
                JsonPath claim = JsonPath.from(OpenBao.get()
                        .api("GET", "secret/data/kashier-rotator/claims/" + LimitsWorld.LEASE_KEYS.get(i), null));
                if (ids.get(i).equals(claim.getString("data.data.rotationId"))) {
                    Duration margin =
                            Duration.between(Instant.now(), Instant.parse(claim.getString("data.data.leaseUntil")));
                    worst = margin.compareTo(worst) < 0 ? margin : worst;
                }
            }
            await().pollDelay(Duration.ofMillis(100)).until(() -> true);
        }
        assertTrue(!worst.isNegative(), "a lease ran out while its rotation was running: worst margin " + worst);
        for (String id : ids) {
            Api2.get(id).then().body("epoch", equalTo(1));
        }
        long issued = kashier.list(Mode.TEST, MID).stream()
                .filter(k ->
                        k.kind().equals("payment-api-key") && !k.createdAt().isBefore(started))
                .count();
        assertEquals(LimitsWorld.LEASE_KEYS.size(), issued, "one key issued per rotation, none twice");
    }

    @Test
    void aKashierOutageAfterASingleUserChangeDoesNotStrandTheFleet() {
        Response done = awaitState(rotate("outage-secret", "Kashier's API is down"), "COMPLETED", 60);
        done.then().body("steps.find { it.name == 'VERIFY_NEW_KEY' }.detail", containsString("not verified"));
        String held = Dependents.get("outage-hook").key("outage-secret").orElseThrow();
        assertTrue(kashier.authenticates(Mode.TEST, held), "the dependent holds the working key");
    }

    @Test
    void aDependentThatCannotTakeAChangedSecretKeyWaitsForAPersonNotAFailure() {
        String id = rotate("stranded-secret", "one dependent is broken");
        Response waiting = awaitRotation(id, 60, r -> "AWAITING_DASHBOARD".equals(r.path("state")));
        waiting.then()
                .body("blockedBy", equalTo(List.of("stranded-broken")))
                .body("steps.find { it.name == 'ROLLOUT' }.detail", containsString("stranded-broken"))
                .body("steps.find { it.name == 'ROLLOUT' }.detail", containsString("Fix those dependents"));
        assertTrue(Api.management()
                .get("/q/health/ready")
                .<String>path("checks.find { it.name == 'dashboard-steps' }.data.waiting")
                .contains(id));

        Dependents.get("stranded-broken").failWith(0);
        asAdmin()
                .contentType("application/json")
                .body(Map.of())
                .post("/api/v1/rotations/{id}/confirm", id)
                .then()
                .statusCode(202);
        Response done = awaitState(id, "COMPLETED", 60);
        assertEquals(
                done.<String>path("newFingerprint"),
                Dependents.get("stranded-broken").fingerprint("stranded-secret").orElseThrow());
    }

    @Test
    void afterASingleUserChangeAVaultOutageNeverFailsTheRotationAndItCompletesWhenVaultReturns() {
        hooks.onceBeforeWork("vaultless-secret", "STORE_NEW_KEY", () -> LimitsWorld.VAULT.mode(FlakyProxy.Mode.CUT));
        String id = rotate("vaultless-secret", "Vault goes away after the change");
        // Longer than step-attempts' retries and than the lease: the rotation must neither end FAILED with the
        // only working key parked in Vault, nor be forgotten. Readiness says why nothing moves.
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> Api.management()
                        .get("/q/health/ready")
                        .then()
                        .extract()
                        .<String>path("checks.find { it.name == 'vault' }.status")
                        .equals("DOWN"));
        await().pollDelay(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(() -> true);
        LimitsWorld.VAULT.mode(FlakyProxy.Mode.PASS);
        List<String> states = new ArrayList<>();
        Response done = awaitRotation(id, 60, r -> {
            states.add(r.path("state"));
            return "COMPLETED".equals(r.path("state"));
        });
        assertTrue(!states.contains("FAILED"), "never FAILED: " + states);
        assertEquals(
                done.<String>path("newFingerprint"),
                Dependents.get("vaultless-hook").fingerprint("vaultless-secret").orElseThrow());
        assertTrue(kashier.authenticates(
                Mode.TEST,
                Dependents.get("vaultless-hook").key("vaultless-secret").orElseThrow()));
    }

    @Test
    void aReplicaCutOffFromVaultNeverWritesOverItsSuccessor() {
        String id = rotate("sup-pay", "will be superseded");
        awaitRotation(id, 30, r -> "RUNNING".equals(r.path("steps.find { it.name == 'GRACE' }.state")));
        LimitsWorld.VAULT.mode(FlakyProxy.Mode.CUT);
        String claimPath = "secret/data/kashier-rotator/claims/sup-pay";
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Instant.parse(JsonPath.from(OpenBao.get().api("GET", claimPath, null))
                                .getString("data.data.leaseUntil"))
                        .isBefore(Instant.now()));

        // Replica B takes the rotation over as the engine would: claim and record with the next epoch.
        JsonPath claim = JsonPath.from(OpenBao.get().api("GET", claimPath, null));
        long epoch = Long.parseLong(claim.getString("data.data.epoch"));
        Map<String, Object> newClaim = new HashMap<>(claim.getMap("data.data"));
        newClaim.put("owner", "replica-b");
        newClaim.put("epoch", Long.toString(epoch + 1));
        newClaim.put("leaseUntil", Instant.now().plusSeconds(3).toString());
        OpenBao.get()
                .api(
                        "POST",
                        claimPath,
                        Api2.json(Map.of(
                                "options", Map.of("cas", claim.getInt("data.metadata.version")), "data", newClaim)));
        String recordPath = "secret/data/kashier-rotator/rotations/" + id;
        JsonPath record = JsonPath.from(OpenBao.get().api("GET", recordPath, null));
        Map<String, Object> data = new HashMap<>(record.getMap("data.data"));
        Map<String, Object> rotation =
                JsonPath.from((String) data.get("record")).getMap("$");
        rotation.put("owner", "replica-b");
        rotation.put("epoch", epoch + 1);
        data.put("record", Api2.json(rotation));
        OpenBao.get()
                .api(
                        "POST",
                        recordPath,
                        Api2.json(Map.of(
                                "options", Map.of("cas", record.getInt("data.metadata.version")), "data", data)));

        LimitsWorld.VAULT.mode(FlakyProxy.Mode.PASS);
        List<Long> epochs = new ArrayList<>();
        asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "stop it"))
                .post("/api/v1/rotations/{id}/abort", id)
                .then()
                .statusCode(202);
        // Replica B never runs it; once B's lease ends, replica A takes it over properly (a new epoch).
        awaitRotation(id, 30, r -> {
            epochs.add(((Number) r.path("epoch")).longValue());
            return "ABORTED".equals(r.path("state"));
        });
        for (int i = 1; i < epochs.size(); i++) {
            assertTrue(epochs.get(i) >= epochs.get(i - 1), "the record's epoch never went back: " + epochs);
        }
        Api2.get(id).then().body("epoch", equalTo((int) epoch + 2)).body("owner", equalTo("replica-a"));
    }

    @Test
    void vaultStallingMidAnswerIsCutAtItsBound() {
        LimitsWorld.VAULT.mode(FlakyProxy.Mode.STALL_AFTER_HEADERS);
        Instant asked = Instant.now();
        asAdmin().get("/api/v1/keys/sup-pay").then().statusCode(503);
        Duration took = Duration.between(asked, Instant.now());
        assertTrue(
                took.compareTo(Duration.ofSeconds(12)) < 0,
                "answered after " + took + " (bound: 2 × 2 s + 1 s " + "per Vault call)");
        LimitsWorld.VAULT.mode(FlakyProxy.Mode.PASS);
        asAdmin().get("/api/v1/keys/sup-pay").then().statusCode(200);
    }

    /** Reads and JSON helpers local to this test. */
    static final class Api2 {
        static Response get(String id) {
            return asAdmin().get("/api/v1/rotations/{id}", id);
        }

        static String state(String id) {
            return get(id).path("state");
        }

        static String json(Object o) {
            try {
                return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(o);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
