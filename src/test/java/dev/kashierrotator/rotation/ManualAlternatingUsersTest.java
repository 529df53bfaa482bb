package dev.kashierrotator.rotation;

import static dev.kashierrotator.testing.Api.asAdmin;
import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.sim.KashierSimulator;
import dev.kashierrotator.testing.Dependents;
import dev.kashierrotator.testing.Person;
import dev.kashierrotator.vault.VaultKv;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Alternating users in production (manual) mode, the test playing the person at the Kashier dashboard
 * and doing only what the rotation's instructions say. Before and after every human action, every
 * dependent must hold a key that Kashier accepts.
 */
@QuarkusTest
@TestProfile(ManualDashboardTest.Manual.class)
class ManualAlternatingUsersTest {

    private static final String MID = "MID-2000-002";
    private static final Person PERSON = new Person(MID);
    private static final Pattern STANDBY = Pattern.compile("change the secret key of the standby user '([^']+)'");

    @Inject
    KeyStore keys;

    @Inject
    KashierSimulator kashier;

    @Inject
    VaultKv kv;

    /** Each dependent starts on the key Vault holds, as it would from its own configuration. */
    @BeforeEach
    void dependentsHoldTheCurrentKeys() {
        for (String keyId : List.of("man-alt", "man-alt-wrong")) {
            StoredKey current = keys.current(keyId).orElseThrow();
            for (String dependent : List.of("man-app", "man-ref")) {
                if (Dependents.get(dependent).key(keyId).isEmpty()) {
                    Dependents.get(dependent).use(keyId, current.value());
                }
            }
            String path = "apps/manual/" + keyId;
            if (kv.read(path).isEmpty()) {
                kv.write(path, Map.of("key", current.value(), "fingerprint", current.fingerprint()), 0);
            }
        }
    }

    @Test
    void fourManualRotationsNeverLeaveADependentOnADeadKey() {
        assertEquals(
                "man-alt-blue", keys.current("man-alt").orElseThrow().user().orElseThrow());
        for (int round = 1; round <= 4; round++) {
            StoredKey live = keys.current("man-alt").orElseThrow();
            String id = rotate("man-alt", "manual round " + round);
            Response waiting = awaitState(id, "AWAITING_DASHBOARD", 30);
            String instructions = waiting.path("steps.find { it.name == 'CHANGE_SECRET_KEY' }.detail");
            assertTrue(instructions.contains(MID) && instructions.contains("test mode"), instructions);
            assertTrue(
                    !instructions.contains("stops working"),
                    "an alternating change kills no key in use: " + instructions);
            String user = standbyUser(instructions);
            assertNotEquals(live.user().orElseThrow(), user, "round " + round + ": never the user dependents use");
            assertEveryDependentHoldsAWorkingKey("man-alt", "round " + round + ", before the person acts");

            String fresh = PERSON.changeSecretKey(user);
            assertEveryDependentHoldsAWorkingKey("man-alt", "round " + round + ", after the change in the dashboard");

            Person.confirm(id, Map.of("newKey", fresh)).then().statusCode(202);
            awaitState(id, "COMPLETED", 30)
                    .then()
                    .body("toUser", equalTo(user))
                    .body("fromUser", equalTo(live.user().orElseThrow()));
            assertEveryDependentHoldsAWorkingKey("man-alt", "round " + round + ", completed");
            StoredKey now = keys.current("man-alt").orElseThrow();
            assertEquals(Fingerprints.of(fresh), now.fingerprint());
            assertEquals(user, now.user().orElseThrow(), "Vault records whose key it is");
            assertEquals(
                    Fingerprints.of(fresh),
                    Dependents.get("man-app").fingerprint("man-alt").orElseThrow());
            assertTrue(kashier.authenticates(Mode.TEST, live.value()), "the previous user's key is the standby now");
        }
    }

    @Test
    void thePersonChangingTheLiveUsersKeyIsRushedToEveryDependent() {
        StoredKey live = keys.current("man-alt-wrong").orElseThrow();
        String standby = live.user().orElseThrow().endsWith("-blue") ? "man-alt-wrong-green" : "man-alt-wrong-blue";
        String id = rotate("man-alt-wrong", "the person will get it wrong");
        Response waiting = awaitState(id, "AWAITING_DASHBOARD", 30);
        assertEquals(standby, standbyUser(waiting.path("steps.find { it.name == 'CHANGE_SECRET_KEY' }.detail")));

        // The person changes the wrong user's key: every dependent now holds a dead key (not the service's doing).
        String fresh = PERSON.changeSecretKey(live.user().orElseThrow());
        assertTrue(!kashier.authenticates(Mode.TEST, live.value()));
        Person.confirm(id, Map.of("newKey", fresh)).then().statusCode(202);
        Response done = awaitState(id, "COMPLETED", 30);
        done.then().body("toUser", equalTo(live.user().orElseThrow()));
        assertTrue(done.<Integer>path("exposureWindowMs") >= 0, "the outage is measured");
        assertTrue(
                Instant.parse(done.path("waves[1].startedAt")).isBefore(Instant.parse(done.path("waves[0].endedAt"))),
                "no staging with dependents on a dead key: all waves at once");
        assertEveryDependentHoldsAWorkingKey("man-alt-wrong", "after the rush");
        assertEquals(
                live.user().orElseThrow(),
                keys.current("man-alt-wrong").orElseThrow().user().orElseThrow());

        // The alternation goes on from the truth: the next change is the user whose key nobody holds.
        String next = rotate("man-alt-wrong", "next round");
        assertEquals(
                standby,
                standbyUser(awaitState(next, "AWAITING_DASHBOARD", 30)
                        .path("steps.find { it.name == 'CHANGE_SECRET_KEY' }.detail")));
        Person.abort(next, "test over").then().statusCode(202);
        awaitState(next, "ABORTED", 30);
    }

    @Test
    void aKeyWhoseUserVaultDoesNotKnowIsNotRotated() {
        StoredKey seeded = keys.current("man-alt-nouser").orElseThrow();
        // As an operator seeding by hand would, with only the key: bao kv put .../man-alt-nouser key=...
        keys.promote("man-alt-nouser", StoredKey.of(seeded.value(), Optional.empty(), Instant.now()), seeded.version());
        asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "who knows"))
                .post("/api/v1/keys/{keyId}/rotations", "man-alt-nouser")
                .then()
                .statusCode(409)
                .body("detail", containsString("user=<man-alt-nouser-blue|man-alt-nouser-green>"));
    }

    @Test
    void aKeyOfTheOtherModeOrAnOldKeyIsRefusedAndTheStepKeepsWaiting() {
        StoredKey live = keys.current("man-alt").orElseThrow();
        String id = rotate("man-alt", "wrong pastes");
        String user = standbyUser(
                awaitState(id, "AWAITING_DASHBOARD", 30).path("steps.find { it.name == 'CHANGE_SECRET_KEY' }.detail"));
        String liveModeKey = given().contentType("application/json")
                .body(Map.of("mid", MID))
                .post("/sim/kashier/live/dashboard/secret-keys/{user}/change", user)
                .then()
                .statusCode(200)
                .extract()
                .path("key");
        Person.confirm(id, Map.of("newKey", liveModeKey))
                .then()
                .statusCode(422)
                .body("errors[0].field", equalTo("newKey"))
                .body("detail", containsString("rejects"));
        Person.confirm(id, Map.of("newKey", live.value()))
                .then()
                .statusCode(422)
                .body("detail", containsString("replaced"));
        // The standby user's key from before, still valid, but not changed: no rotation at all.
        StoredKey before = keys.version("man-alt", live.version() - 1).orElseThrow();
        Person.confirm(id, Map.of("newKey", before.value()))
                .then()
                .statusCode(422)
                .body("detail", containsString("change it in the dashboard first"));
        asAdmin().get("/api/v1/rotations/" + id).then().body("state", equalTo("AWAITING_DASHBOARD"));
        assertEveryDependentHoldsAWorkingKey("man-alt", "after wrong pastes");

        Person.confirm(id, Map.of("newKey", PERSON.changeSecretKey(user)))
                .then()
                .statusCode(202);
        awaitState(id, "COMPLETED", 30);
        assertEveryDependentHoldsAWorkingKey("man-alt", "completed");
    }

    private static String standbyUser(String instructions) {
        Matcher m = STANDBY.matcher(instructions);
        assertTrue(m.find(), "the instructions name the user to change: " + instructions);
        return m.group(1);
    }

    private void assertEveryDependentHoldsAWorkingKey(String keyId, String when) {
        Map<String, Optional<String>> held = new LinkedHashMap<>();
        held.put("man-app", Dependents.get("man-app").key(keyId));
        held.put("man-ref", Dependents.get("man-ref").key(keyId));
        held.put("man-kv", kv.read("apps/manual/" + keyId).map(v -> v.data().get("key")));
        held.forEach((dependent, key) -> assertTrue(
                key.isPresent() && kashier.authenticates(Mode.TEST, key.get()),
                when + ": " + dependent + " holds " + (key.isPresent() ? "a key Kashier rejects" : "no key")));
    }
}
