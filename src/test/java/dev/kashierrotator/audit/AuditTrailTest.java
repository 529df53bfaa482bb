package dev.kashierrotator.audit;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.testing.OpenBao;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Every change and every denied call becomes an audit event in Vault, chained by hash; altering,
 * rewriting or removing a stored event is reported by {@code /api/v1/audit/verify}.
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditTrailTest {

    private static final String EVENTS = "kashier-rotator/audit/events/";

    private static RequestSpecification as(String role) {
        return given().header("Authorization", "Bearer " + role + "-token");
    }

    /** The newest audit event matching the condition, waiting for it (denied calls are stored asynchronously). */
    private static Map<String, Object> awaitEvent(java.util.function.Predicate<Map<String, Object>> matching) {
        return await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> {
                            List<Map<String, Object>> events = as("admin")
                                    .get("/api/v1/audit?limit=200")
                                    .then()
                                    .statusCode(200)
                                    .extract()
                                    .jsonPath()
                                    .getList("$");
                            return events.stream().filter(matching).findFirst();
                        },
                        Optional::isPresent)
                .get();
    }

    private static java.util.function.Predicate<Map<String, Object>> is(
            String action, String actor, String outcome, String detail) {
        return e -> action.equals(e.get("action"))
                && actor.equals(e.get("actor"))
                && outcome.equals(e.get("outcome"))
                && detail.equals(e.get("detail"));
    }

    @Test
    @Order(1)
    void changesAndDeniedCallsAreRecordedWithActorOutcomeAndSource() {
        String id = as("operator")
                .contentType(ContentType.JSON)
                .body("{\"reason\": \"audit: planned\"}")
                .post("/api/v1/keys/audit-pay/rotations")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        // A change is stored before its answer is sent: no waiting needed.
        Map<String, Object> created = as("admin")
                .get("/api/v1/audit?limit=50")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .<Map<String, Object>>getList("$")
                .stream()
                .filter(e -> id.equals(e.get("rotationId")) && "rotation.create".equals(e.get("action")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no rotation.create event for " + id));
        assertEquals("operator-user", created.get("actor"));
        assertEquals("accepted", created.get("outcome"));
        assertEquals("audit-pay", created.get("keyId"));
        assertEquals("127.0.0.1", created.get("sourceIp"));
        assertEquals(202, created.get("status"));
        assertNotNull(created.get("time"));
        assertEquals(64, created.get("hash").toString().length());

        as("operator")
                .contentType(ContentType.JSON)
                .body("{\"reason\": \"changed my mind\"}")
                .post("/api/v1/rotations/" + id + "/abort")
                .then()
                .statusCode(202);
        Map<String, Object> aborted = awaitEvent(
                is("rotation.abort", "operator-user", "accepted", "POST /api/v1/rotations/" + id + "/abort"));
        assertEquals("audit-pay", aborted.get("keyId"));
        assertEquals(id, aborted.get("rotationId"));

        as("operator")
                .contentType(ContentType.JSON)
                .body("{\"newKey\": \"x\"}")
                .post("/api/v1/rotations/" + id + "/confirm")
                .then()
                .statusCode(409);
        awaitEvent(is("rotation.confirm", "operator-user", "rejected", "POST /api/v1/rotations/" + id + "/confirm"));

        as("operator")
                .contentType(ContentType.JSON)
                .body("{\"reason\": \"leak\", \"emergency\": true}")
                .post("/api/v1/keys/audit-pay/rotations")
                .then()
                .statusCode(403);
        Map<String, Object> emergency = awaitEvent(
                is("rotation.emergency", "operator-user", "denied", "POST /api/v1/keys/audit-pay/rotations"));
        assertEquals(403, emergency.get("status"));

        as("viewer")
                .contentType(ContentType.JSON)
                .body("{\"reason\": \"curious\"}")
                .post("/api/v1/keys/audit-pay/rotations")
                .then()
                .statusCode(403);
        awaitEvent(is("rotation.create", "viewer-user", "denied", "POST /api/v1/keys/audit-pay/rotations"));

        given().get("/api/v1/keys/audit-pay").then().statusCode(401);
        Map<String, Object> anonymous =
                awaitEvent(is("auth.rejected", "anonymous", "denied", "GET /api/v1/keys/audit-pay"));
        assertEquals(401, anonymous.get("status"));
        assertEquals("127.0.0.1", anonymous.get("sourceIp"));

        given().header("Authorization", "Bearer guessed-token-123")
                .get("/api/v1/rotations")
                .then()
                .statusCode(401);
        awaitEvent(is("auth.rejected", "invalid-token", "denied", "GET /api/v1/rotations"));

        as("test-operator").get("/api/v1/keys/live-secret").then().statusCode(403);
        awaitEvent(is("access.denied", "ci-smoke", "denied", "GET /api/v1/keys/live-secret"));

        as("viewer").get("/api/v1/audit").then().statusCode(403);
        awaitEvent(is("access.denied", "viewer-user", "denied", "GET /api/v1/audit"));
    }

    @Test
    @Order(2)
    void successfulReadsAreNotAuditedAndTheAuditNeverHoldsATokenOrKey() {
        as("viewer").get("/api/v1/keys/audit-pay").then().statusCode(200);
        String all = as("admin")
                .get("/api/v1/audit?limit=1000")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        List<Map<String, Object>> events = JsonPath.from(all).getList("$");
        assertTrue(
                events.stream()
                        .noneMatch(e -> "viewer-user".equals(e.get("actor"))
                                && "GET /api/v1/keys/audit-pay".equals(e.get("detail"))),
                "a successful read is not an event");
        assertTrue(events.stream().anyMatch(e -> "anonymous".equals(e.get("actor"))), "but denied ones are");
        assertTrue(!all.contains("guessed-token-123") && !all.contains("viewer-token"), "tokens are never audited");
        as("admin").get("/api/v1/audit?limit=0").then().statusCode(400).body("errors[0].field", equalTo("limit"));
    }

    @Test
    @Order(2)
    void aFloodOfMadeUpPathsNeitherHidesAnInsidersDenialNorBuysAnEventPerPath() {
        // Edges review M3: 100 anonymous calls a window to distinct paths pushed an authenticated caller's 403
        // into an anonymous count, stored an event of the caller's own text per path, escapes included; a 403
        // on a rotation's event stream was not recorded at all.
        String rotation = as("admin")
                .get("/api/v1/rotations?keyId=audit-pay&limit=1")
                .then()
                .statusCode(200)
                .extract()
                .path("[0].id");
        int probes = 150;
        for (int i = 0; i < probes; i++) {
            given().urlEncodingEnabled(false)
                    .get("/api/v1/probe-" + i + (i % 10 == 0 ? "%1b%5b8m" : ""))
                    .then()
                    .statusCode(401);
        }
        as("test-pauser")
                .contentType(ContentType.JSON)
                .body("{\"reason\": \"probing\"}")
                .post("/api/v1/rotations/" + rotation + "/abort")
                .then()
                .statusCode(403);
        as("live-viewer")
                .header("Accept", "text/event-stream")
                .get("/api/v1/rotations/" + rotation + "/events")
                .then()
                .statusCode(403);

        awaitEvent(is("rotation.abort", "test-pauser", "denied", "POST /api/v1/rotations/" + rotation + "/abort"));
        Map<String, Object> stream = awaitEvent(
                is("access.denied", "live-viewer", "denied", "GET /api/v1/rotations/" + rotation + "/events"));
        // Recorded under the rotation's (test) key: an auditor limited to live keys does not see it (L6).
        assertEquals("audit-pay", stream.get("keyId"));
        String seenByLiveAuditor = as("live-auditor")
                .get("/api/v1/audit?limit=1000")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertTrue(!seenByLiveAuditor.contains(rotation), "no event about a test rotation: " + seenByLiveAuditor);
        List<Map<String, Object>> events = as("admin")
                .get("/api/v1/audit?limit=1000")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("$");
        long perPath = events.stream()
                .filter(e -> "anonymous".equals(e.get("actor"))
                        && String.valueOf(e.get("detail")).startsWith("GET /api/v1/probe-"))
                .count();
        assertTrue(perPath >= 1 && perPath <= 30, "one event per source and window, not per path: " + perPath);
        // The console's view of the trail checks only what came since this replica's last intact walk.
        JsonPath whole = as("admin")
                .get("/api/v1/audit/verify")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertTrue(whole.getBoolean("intact"), whole.prettify());
        assertEquals(1L, whole.getLong("checkedFrom"));
        JsonPath since = as("admin")
                .get("/api/v1/audit/verify?since=last")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertTrue(since.getBoolean("intact"), since.prettify());
        assertTrue(since.getLong("checkedFrom") > 1, "not from the first event again: " + since.prettify());
        assertTrue(since.getLong("eventsChecked") >= whole.getLong("eventsChecked"), since.prettify());
        as("admin")
                .get("/api/v1/audit/verify?since=first")
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("since"));
        for (Map<String, Object> e : events) {
            String detail = String.valueOf(e.get("detail"));
            assertTrue(
                    detail.codePoints().allMatch(dev.kashierrotator.util.Printable::shown),
                    "no control character stored: " + detail);
        }
    }

    @Test
    @Order(3)
    void anEventAppendedByAnyoneButTheServiceDoesNotVerify() {
        JsonPath before = as("admin")
                .get("/api/v1/audit/verify")
                .then()
                .statusCode(200)
                .body("intact", equalTo(true))
                .extract()
                .jsonPath();
        assertTrue(before.get("signedFrom") != null, "events are signed with the audit key");
        int head = before.getInt("headSeq");
        // Someone with write access to the audit path appends an event that follows the chain perfectly:
        // the right sequence number, the previous hash, its own hash recomputed (finding 20).
        Map<String, String> last = read(head);
        AuditEvent forged = new AuditEvent(
                        0,
                        java.time.Instant.now().toString(),
                        "oncall-user",
                        "rotation.abort",
                        "audit-pay",
                        null,
                        "accepted",
                        202,
                        "10.0.0.7",
                        "POST /api/v1/rotations/x/abort",
                        null,
                        null)
                .chained(head + 1, last.get("hash"));
        Map<String, String> data = new HashMap<>(forged.toData());
        write(head + 1, data);
        expectBroken(head + 1, "event " + (head + 1) + " is not signed with the audit key");
        // With a made-up signature instead.
        vault().delete("/v1/secret/metadata/" + path(head + 1)).then().statusCode(204);
        data.put("mac", "0".repeat(64));
        write(head + 1, data);
        expectBroken(head + 1, "event " + (head + 1) + "'s signature does not match the audit key");
        vault().delete("/v1/secret/metadata/" + path(head + 1)).then().statusCode(204);
        as("admin").get("/api/v1/audit/verify").then().statusCode(200).body("intact", equalTo(true));
    }

    @Test
    @Order(4)
    void verifyWalksTheChainAndReportsTheFirstBrokenLink() {
        as("admin")
                .get("/api/v1/audit/verify")
                .then()
                .statusCode(200)
                .body("intact", equalTo(true))
                .body("brokenAt", nullValue());
        List<Integer> seqs = as("admin")
                .get("/api/v1/audit?limit=20")
                .then()
                .extract()
                .jsonPath()
                .getList("seq");
        assertTrue(seqs.size() >= 8, "enough events to tamper with: " + seqs);
        int removed = seqs.get(1);
        int rewritten = seqs.get(3);
        int reHashed = seqs.get(5);
        int altered = seqs.get(7);

        // Removed: the latest version of an event deleted.
        vault().delete("/v1/secret/data/" + path(removed)).then().statusCode(204);
        expectBroken(removed, "event " + removed + " is missing");

        // Rewritten in place: a second version, even with a plausible content.
        Map<String, String> data = read(rewritten);
        data.put("actor", "someone-else");
        write(rewritten, data);
        expectBroken(rewritten, "event " + rewritten + " was rewritten (Vault holds version 2");

        // Recreated from scratch at version 1 with its hash recomputed: its signature (made with the audit key
        // over the old hash) no longer matches; without a key, the next event would no longer follow it.
        Map<String, String> forged = read(reHashed);
        forged.put("outcome", "accepted");
        forged.put("actor", "nobody");
        AuditEvent rehashed = AuditEvent.fromData(forged);
        forged.put("hash", rehashed.computeHash());
        vault().delete("/v1/secret/metadata/" + path(reHashed)).then().statusCode(204);
        write(reHashed, forged);
        expectBroken(reHashed, "event " + reHashed + "'s signature does not match the audit key");

        // Recreated at version 1 with altered content and its old hash: it no longer matches the hash.
        Map<String, String> altering = read(altered);
        altering.put("sourceIp", "10.9.9.9");
        vault().delete("/v1/secret/metadata/" + path(altered)).then().statusCode(204);
        write(altered, altering);
        expectBroken(altered, "event " + altered + " was altered");
    }

    private static void expectBroken(int seq, String problemStart) {
        JsonPath v = as("admin")
                .get("/api/v1/audit/verify")
                .then()
                .statusCode(200)
                .body("intact", equalTo(false))
                .extract()
                .jsonPath();
        assertEquals(seq, v.getInt("brokenAt"), v.prettify());
        assertTrue(v.getString("problem").startsWith(problemStart), v.getString("problem"));
    }

    private static String path(int seq) {
        return EVENTS + String.format("%012d", seq);
    }

    private static RequestSpecification vault() {
        return given().baseUri(OpenBao.get().address())
                .header("X-Vault-Token", OpenBao.get().rootToken());
    }

    private static Map<String, String> read(int seq) {
        return new HashMap<>(vault().get("/v1/secret/data/" + path(seq))
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getMap("data.data"));
    }

    private static void write(int seq, Map<String, String> data) {
        vault().contentType(ContentType.JSON)
                .body(Map.of("data", data))
                .post("/v1/secret/data/" + path(seq))
                .then()
                .statusCode(200);
    }
}
