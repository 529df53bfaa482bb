package dev.kashierrotator.security;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.testing.OpenBao;
import dev.kashierrotator.testing.RotatorTestResource;
import dev.kashierrotator.testing.SelfSignedTls;
import dev.kashierrotator.testing.ServiceProcess;
import dev.kashierrotator.util.TlsTrust;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The packaged service in its prod profile, as Kubernetes runs it: TLS from mounted PEM files, the API
 * only over https with HSTS, health on plain http for probes, and live keys refused any plain-http URL
 * at start-up.
 */
class HttpsProdProfileIT {

    private static final String TOKEN = "https-it-token";

    private static Map<String, String> settings(String prefix) {
        OpenBao bao = OpenBao.get();
        Map<String, String> c = new HashMap<>();
        c.put("rotator.vault.address", bao.address());
        c.put("rotator.vault.token", bao.rootToken());
        c.put("rotator.vault.key-prefix", prefix + "/keys");
        c.put("rotator.vault.state-prefix", prefix + "/state");
        c.put("rotator.bootstrap-token", TOKEN);
        // The production dashboard (a person); the simulator is never served in production.
        c.put("rotator.kashier.dashboard", "manual");
        c.put("rotator.accounts.main.mid", "MID-7000-007");
        RotatorTestResource.key(c, "main-live-payment", "main", "live", "payment-api-key", null);
        return c;
    }

    @Test
    void theApiAnswersOnlyOverHttpsWithHstsWhileProbesStayOnHttp() throws Exception {
        SelfSignedTls tls = SelfSignedTls.create("prod-profile");
        Map<String, String> c = settings("https-it");
        int httpsPort = OpenBao.freePort();
        // The chart mounts the TLS Secret's files and points these two variables at them.
        c.put("ROTATOR_TLS_CERT_FILE", tls.caPem.toAbsolutePath().toString());
        c.put("ROTATOR_TLS_KEY_FILE", tls.keyPem.toAbsolutePath().toString());
        c.put("quarkus.http.ssl-port", Integer.toString(httpsPort));
        c.put("rotator.kashier.api.live-base-url", "https://127.0.0.1:" + httpsPort + "/sim/kashier/live");
        try (ServiceProcess service = ServiceProcess.start("https-prod", OpenBao.freePort(), c)) {
            HttpClient trusting = HttpClient.newBuilder()
                    .sslContext(TlsTrust.load(tls.caPem.toString()).orElseThrow())
                    .build();
            // The plain-http listener (and readiness) can answer a few milliseconds before the TLS one binds.
            HttpResponse<String> https = await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(100))
                    .ignoreExceptionsInstanceOf(java.net.ConnectException.class)
                    .until(
                            () -> trusting.send(
                                    HttpRequest.newBuilder(
                                                    URI.create("https://127.0.0.1:" + httpsPort + "/api/v1/whoami"))
                                            .header("Authorization", "Bearer " + TOKEN)
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString()),
                            r -> true);
            assertEquals(200, https.statusCode(), https.body());
            assertTrue(https.body().contains("\"role\":\"admin\""), https.body());
            assertEquals(
                    "max-age=31536000; includeSubDomains",
                    https.headers().firstValue("Strict-Transport-Security").orElse("none"));

            HttpClient plain = HttpClient.newHttpClient();
            HttpResponse<String> http = plain.send(
                    HttpRequest.newBuilder(URI.create(service.url() + "/api/v1/whoami"))
                            .header("Authorization", "Bearer " + TOKEN)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(403, http.statusCode());
            assertEquals(
                    "application/problem+json",
                    http.headers().firstValue("Content-Type").orElse(""));
            assertTrue(http.body().contains("https-required"), http.body());
            assertTrue(http.headers().firstValue("Strict-Transport-Security").isEmpty(), "no HSTS over plain http");

            // The console, where a token is typed: over https only, under its policy.
            HttpResponse<String> console = trusting.send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + httpsPort + "/console"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, console.statusCode());
            assertTrue(console.headers()
                    .firstValue("Content-Security-Policy")
                    .orElse("")
                    .startsWith("default-src 'none'"));
            assertEquals(
                    403,
                    plain.send(
                                    HttpRequest.newBuilder(URI.create(service.url() + "/console"))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode(),
                    "no console over plain http");

            assertEquals(
                    200,
                    plain.send(
                                    HttpRequest.newBuilder(URI.create(service.url() + "/q/health/ready"))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode(),
                    "probes use plain http");

            // The prod profile logs one JSON object per line.
            String started = Files.readAllLines(Path.of("target", "it-https-prod.log")).stream()
                    .filter(l -> l.contains("Listening on"))
                    .reduce((a, b) -> b)
                    .orElseThrow();
            assertTrue(
                    new com.fasterxml.jackson.databind.ObjectMapper()
                            .readTree(started)
                            .path("message")
                            .asText()
                            .contains("https://0.0.0.0:" + httpsPort),
                    started);
        }
    }

    @Test
    void aLiveKeyWithAPlainHttpWebhookStopsStartUpNamingTheEntry() throws Exception {
        SelfSignedTls tls = SelfSignedTls.create("prod-profile-bad");
        Map<String, String> c = settings("https-it-bad");
        c.put("ROTATOR_TLS_CERT_FILE", tls.caPem.toAbsolutePath().toString());
        c.put("ROTATOR_TLS_KEY_FILE", tls.keyPem.toAbsolutePath().toString());
        c.put("quarkus.http.ssl-port", Integer.toString(OpenBao.freePort()));
        c.put("rotator.dependents.billing.keys", "main-live-payment");
        c.put("rotator.dependents.billing.type", "webhook");
        c.put("rotator.dependents.billing.url", "http://billing.payments.svc/rotation");
        c.put("rotator.dependents.billing.verify-url", "https://billing.payments.svc/rotation/fingerprints");
        c.put("rotator.dependents.billing.signing-secret", "s");
        Path log = Path.of("target", "it-https-prod-bad.log");
        Files.deleteIfExists(log);
        IllegalStateException e = assertThrows(
                IllegalStateException.class, () -> ServiceProcess.start("https-prod-bad", OpenBao.freePort(), c));
        assertTrue(e.getMessage().contains("exited"), e.getMessage());
        String text = Files.readString(log);
        assertTrue(
                text.contains("rotator.dependents.billing.url: must be https for live key 'main-live-payment', "
                        + "got 'http://billing.payments.svc/rotation'"),
                text);
    }
}
