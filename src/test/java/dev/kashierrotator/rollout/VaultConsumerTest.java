package dev.kashierrotator.rollout;

import static dev.kashierrotator.testing.Api.awaitRotation;
import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static dev.kashierrotator.testing.RotatorTestResource.key;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.rotation.KeyStore;
import dev.kashierrotator.rotation.StoredKey;
import dev.kashierrotator.sim.KashierSimulator;
import dev.kashierrotator.testing.OpenBao;
import dev.kashierrotator.testing.RotatorTestResource;
import dev.kashierrotator.testing.WorldPart;
import dev.kashierrotator.vault.VaultKv;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * vault-kv dependents confirmed by the service that reads them, against the running service and a real
 * OpenBao: the consumer is a test stand-in that really reads the dependent's Vault path and reports what
 * it loaded, either by writing the fingerprint to its confirm-path or through its verify URL. The old key
 * expires only after it does; a consumer that never loads the new key fails the dependent at verify-timeout,
 * naming what it reports, and the rotation rolls back with the old key still working.
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class VaultConsumerTest {

    private static final String MID = "MID-2000-031";
    /** The consumer's fingerprint endpoint: what it has loaded from Vault, or nothing yet. */
    private static final AtomicReference<String> LOADED = new AtomicReference<>();

    private static HttpServer verifyServer;

    @Inject
    KeyStore keys;

    @Inject
    KashierSimulator simulator;

    @Inject
    VaultKv kv;

    @AfterAll
    static void stop() {
        if (verifyServer != null) {
            verifyServer.stop(0);
        }
    }

    /** The consumer loads the key it reads at its path and writes the fingerprint where its policy allows. */
    private void consumerLoadsAndConfirms(String keyId) {
        consumerReports(
                keyId,
                kv.read("apps/ledger/kashier/" + keyId).orElseThrow().data().get("fingerprint"));
    }

    private static void consumerReports(String keyId, String fingerprint) {
        // With the consumer's own token, under the policy docs/operations.md prescribes for it.
        OpenBao.get()
                .as(
                        ledgerToken(),
                        "POST",
                        "secret/data/apps/ledger/in-use/" + keyId,
                        "{\"data\":{\"fingerprint\":\"" + fingerprint + "\",\"loadedAt\":\"" + Instant.now() + "\"}}");
    }

    private static String ledgerToken;

    /** A token for the ledger service with the per-consumer policy of docs/operations.md, and nothing else. */
    private static synchronized String ledgerToken() {
        if (ledgerToken == null) {
            String policy = "path \"secret/data/apps/ledger/kashier/*\" { capabilities = [\"read\"] }\n"
                    + "path \"secret/data/apps/ledger/in-use/*\" { capabilities = [\"create\", \"update\"] }\n";
            OpenBao.get()
                    .api(
                            "PUT",
                            "sys/policies/acl/ledger-consumer",
                            "{\"policy\":" + new com.fasterxml.jackson.databind.node.TextNode(policy) + "}");
            ledgerToken = io.restassured.path.json.JsonPath.from(OpenBao.get()
                            .api("POST", "auth/token/create", "{\"policies\":[\"ledger-consumer\"],\"ttl\":\"1h\"}"))
                    .getString("auth.client_token");
        }
        return ledgerToken;
    }

    @Test
    void theDocumentedPolicyLetsAConsumerConfirmForItselfOnly() {
        // Edges review M6: with confirm-paths apart (the loader refuses nested ones), one consumer's policy
        // cannot write another's confirmation, nor the key the service delivers.
        String body = "{\"data\":{\"fingerprint\":\"0123456789abcdef\"}}";
        OpenBao.get().as(ledgerToken(), "POST", "secret/data/apps/ledger/in-use/policy-probe", body);
        for (String other : List.of(
                "secret/data/apps/reports/in-use/report-pay",
                "secret/data/apps/ledger/kashier/ledger-pay",
                "secret/data/apps/ledger/in-use-other/ledger-pay")) {
            IllegalStateException refused = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalStateException.class, () -> OpenBao.get().as(ledgerToken(), "POST", other, body), other);
            assertTrue(refused.getMessage().contains("HTTP 403"), refused.getMessage());
        }
    }

    @Test
    void theOldKeyExpiresOnlyAfterTheConsumerWroteTheNewFingerprint() {
        StoredKey old = keys.current("ledger-pay").orElseThrow();
        String id = rotate("ledger-pay", "consumer confirms");
        // The copy is in Vault, and the rotation waits for the consumer.
        Response waiting = awaitRotation(
                id, 30, r -> "VERIFYING".equals(r.path("waves[0].dependents.find { it.id == 'ledger' }.state")));
        String fresh = waiting.path("newFingerprint");
        assertEquals(
                fresh,
                kv.read("apps/ledger/kashier/ledger-pay").orElseThrow().data().get("fingerprint"));
        assertTrue(active(old.fingerprint()), "the old key still works while the consumer has not confirmed");

        Instant confirmedAt = Instant.now();
        consumerLoadsAndConfirms("ledger-pay");
        Response done = awaitState(id, "COMPLETED", 30);
        assertFalse(active(old.fingerprint()), "expired, once the consumer had the new key");
        String expiryStarted = done.path("steps.find { it.name == 'EXPIRE_OLD_KEY' }.startedAt");
        assertTrue(Instant.parse(expiryStarted).isAfter(confirmedAt), "expiry began at " + expiryStarted);
    }

    @Test
    void aConsumerThatNeverLoadsTheNewKeyFailsTheDependentAndTheOldKeyStays() {
        StoredKey old = keys.current("stale-pay").orElseThrow();
        // It was deployed with the current key, and never reloads.
        consumerReports("stale-pay", old.fingerprint());
        String id = rotate("stale-pay", "consumer stuck");
        Response rolledBack = awaitState(id, "ROLLED_BACK", 40);
        rolledBack
                .then()
                .body(
                        "error",
                        containsString("did not report fingerprint " + rolledBack.path("newFingerprint")
                                + " within 3s: its consumer wrote " + old.fingerprint()
                                + " at secret/apps/ledger/in-use/stale-pay"));
        assertTrue(active(old.fingerprint()), "the old key still works");
        assertEquals(
                old.fingerprint(),
                kv.read("apps/ledger/kashier/stale-pay").orElseThrow().data().get("fingerprint"),
                "the copy the consumer reads holds the old key again");
    }

    @Test
    void aConsumerWithAVerifyUrlIsAskedWhatItLoaded() {
        StoredKey old = keys.current("report-pay").orElseThrow();
        LOADED.set(old.fingerprint());
        String id = rotate("report-pay", "verify url");
        Response waiting = awaitRotation(
                id, 30, r -> "VERIFYING".equals(r.path("waves[0].dependents.find { it.id == 'reports' }.state")));
        assertTrue(active(old.fingerprint()));
        // The consumer reloads from Vault; its verify URL now reports the new key.
        LOADED.set(
                kv.read("apps/reports/kashier/report-pay").orElseThrow().data().get("fingerprint"));
        assertEquals(waiting.path("newFingerprint"), LOADED.get());
        awaitState(id, "COMPLETED", 30)
                .then()
                .body("waves[0].dependents.find { it.id == 'reports' }.state", equalTo("CONFIRMED"));
        assertFalse(active(old.fingerprint()));
    }

    private boolean active(String fingerprint) {
        return simulator.authenticatesPaymentKey(Mode.TEST, MID, fingerprint);
    }

    /** Its part of the test world: a ledger account whose keys two vault-kv consumers take. */
    public static class Part implements WorldPart {
        @Override
        public void addTo(Map<String, String> c) {
            c.put("rotator.accounts.ledger.mid", MID);
            for (String key : List.of("ledger-pay", "stale-pay", "report-pay")) {
                key(c, key, "ledger", "test", "payment-api-key", "0s");
                c.put("rotator.keys." + key + ".rollout.verify-timeout", "3s");
            }
            c.put("rotator.dependents.ledger.keys", "ledger-pay,stale-pay");
            c.put("rotator.dependents.ledger.type", "vault-kv");
            c.put("rotator.dependents.ledger.path", "apps/ledger/kashier");
            c.put("rotator.dependents.ledger.confirm-path", "apps/ledger/in-use");
            c.put("rotator.dependents.reports.keys", "report-pay");
            c.put("rotator.dependents.reports.type", "vault-kv");
            c.put("rotator.dependents.reports.path", "apps/reports/kashier");
            c.put("rotator.dependents.reports.verify-url", "http://127.0.0.1:" + startVerifyServer() + "/fingerprints");
        }

        @Override
        public void stop() {
            verifyServer.stop(0);
        }

        private static int startVerifyServer() {
            try {
                verifyServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            verifyServer.createContext("/fingerprints", exchange -> {
                String loaded = LOADED.get();
                byte[] body = ("{\"keys\":{" + (loaded == null ? "" : "\"report-pay\":\"" + loaded + "\"") + "}}")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            verifyServer.start();
            return verifyServer.getAddress().getPort();
        }
    }
}
