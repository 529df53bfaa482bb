package dev.kashierrotator.rollout;

import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.rotation.Fingerprints;
import dev.kashierrotator.testing.ReferenceReceivers;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The reference receivers a team copies from docs/verifiers (Java, Python, Node), run as their own
 * processes: a real rotation reaches each (every delivery verified, the key reported back through its
 * verify-url), and each refuses what it must (a replay older than 5 minutes, a wrong signature) and
 * applies a retried delivery once.
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class ReferenceReceiversTest {

    /**
     * A new connection for every request: the receivers are minimal servers (Python's closes after each
     * answer), and a pooled connection the peer already closed fails the next request at random.
     */
    private static HttpClient http() {
        return HttpClient.newHttpClient();
    }

    @Test
    void aRotationReachesEveryReferenceReceiverWaveByWave() throws Exception {
        Response done = awaitState(rotate("ref-pay", "reference receivers"), "COMPLETED", 60);
        String fresh = done.path("newFingerprint");
        for (ReferenceReceivers.Receiver r : ReferenceReceivers.get().values()) {
            assertEquals(fresh, reported(r, "ref-pay"), r.language() + " reports the new key");
            assertEquals(
                    "CONFIRMED",
                    done.path("waves.dependents.flatten().find { it.id == 'ref-" + r.language() + "' }.state"));
        }
    }

    @Test
    void eachRefusesReplaysAndForgeriesAndAppliesARetryOnce() throws Exception {
        for (ReferenceReceivers.Receiver r : ReferenceReceivers.get().values()) {
            String key = UUID.randomUUID().toString();
            byte[] body = body("ref-probe-" + r.language(), key);
            long now = Instant.now().getEpochSecond();
            String delivery = UUID.randomUUID().toString();
            assertEquals(
                    401,
                    post(r, Signatures.header(r.secret(), Long.toString(now - 600), body), delivery, body),
                    r.language() + ": a delivery signed 10 minutes ago is a replay");
            assertEquals(
                    401,
                    post(r, Signatures.header("not-the-secret", Long.toString(now), body), delivery, body),
                    r.language() + ": another secret");
            assertEquals(401, post(r, null, delivery, body), r.language() + ": no signature");
            HttpResponse<String> accepted =
                    send(r, Signatures.header(r.secret(), Long.toString(now), body), delivery, body);
            assertEquals(200, accepted.statusCode());
            assertEquals(Fingerprints.of(key), reported(r, "ref-probe-" + r.language()));
            assertEquals(
                    Fingerprints.of(key),
                    new ObjectMapper()
                            .readTree(accepted.body())
                            .path("keys")
                            .path("ref-probe-" + r.language())
                            .asText(null),
                    r.language() + " answers the delivery with the fingerprint it now uses (no verify call needed)");

            // The same delivery again (a retry), now with another key in the body: applied once only.
            byte[] changed = body("ref-probe-" + r.language(), UUID.randomUUID().toString());
            assertEquals(200, post(r, Signatures.header(r.secret(), Long.toString(now), changed), delivery, changed));
            assertEquals(
                    Fingerprints.of(key),
                    reported(r, "ref-probe-" + r.language()),
                    r.language() + " deduplicates on X-Rotator-Delivery");
        }
    }

    private static byte[] body(String keyId, String key) throws Exception {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("event", "key.rotated");
        event.put("rotationId", "rot-20261129T000000000Z-000000");
        event.put("keyId", keyId);
        event.put("fingerprint", Fingerprints.of(key));
        event.put("key", key);
        return new ObjectMapper().writeValueAsBytes(event);
    }

    private static int post(ReferenceReceivers.Receiver r, String signature, String delivery, byte[] body)
            throws Exception {
        return send(r, signature, delivery, body).statusCode();
    }

    private static HttpResponse<String> send(
            ReferenceReceivers.Receiver r, String signature, String delivery, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(r.url()))
                .header("Content-Type", "application/json")
                .header("X-Rotator-Event", "key.rotated")
                .header("X-Rotator-Delivery", delivery)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (signature != null) {
            b.header("X-Rotator-Signature", signature);
        }
        return http().send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static String reported(ReferenceReceivers.Receiver r, String keyId) throws Exception {
        String json = http().send(
                        HttpRequest.newBuilder(URI.create(r.verifyUrl())).build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .body();
        return new ObjectMapper().readTree(json).path("keys").path(keyId).asText(null);
    }
}
