package dev.kashierrotator.security;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * only over https with HSTS and no plain-http listener, health and metrics on the management interface
 * for probes, and live keys refused any plain-http URL at start-up.
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
        // The chart mounts the TLS Secret's files and points these two variables at them.
        int httpsPort = tls(c, tls.caPem, tls.keyPem);
        c.put("rotator.kashier.api.live-base-url", "https://127.0.0.1:" + httpsPort + "/sim/kashier/live");
        try (ServiceProcess service = ServiceProcess.start("https-prod", OpenBao.freePort(), c)) {
            HttpClient trusting = trusting(tls);
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

            // No plain-http listener at all: the API's port speaks TLS only.
            HttpClient plain = HttpClient.newHttpClient();
            assertThrows(
                    java.net.ConnectException.class,
                    () -> plain.send(
                            HttpRequest.newBuilder(URI.create(service.url() + "/api/v1/whoami"))
                                    .header("Authorization", "Bearer " + TOKEN)
                                    .build(),
                            HttpResponse.BodyHandlers.discarding()),
                    "plain http on the service's port");

            // The console, where a token is typed: over https, under its policy.
            HttpResponse<String> console = trusting.send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + httpsPort + "/console"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, console.statusCode());
            assertTrue(console.headers()
                    .firstValue("Content-Security-Policy")
                    .orElse("")
                    .startsWith("default-src 'none'"));

            // Probes and Prometheus use the management interface, on its own port, in plain http; it
            // serves neither the API nor the console, and the API's port serves no health or metrics.
            assertEquals(200, status(plain, service.managementUrl() + "/q/health/ready"), "probes");
            // Ready only once the rollout's start-up rehearsal ran, all of it (the default 256 deliveries).
            String ready = plain.send(
                            HttpRequest.newBuilder(URI.create(service.managementUrl() + "/q/health/ready"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            com.fasterxml.jackson.databind.JsonNode warmUp = null;
            for (com.fasterxml.jackson.databind.JsonNode check : new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(ready)
                    .path("checks")) {
                if ("warm-up".equals(check.path("name").asText())) {
                    warmUp = check;
                }
            }
            assertTrue(
                    warmUp != null
                            && "UP".equals(warmUp.path("status").asText())
                            && warmUp.path("data")
                                    .path("outcome")
                                    .asText()
                                    .matches("256 deliveries and 128 verify calls to a loopback receiver in \\d+ ms"),
                    ready);
            assertEquals(200, status(plain, service.managementUrl() + "/q/metrics"), "metrics");
            assertEquals(404, status(plain, service.managementUrl() + "/api/v1/whoami"), "API on management");
            assertEquals(404, status(plain, service.managementUrl() + "/console"), "console on management");
            assertEquals(
                    404,
                    trusting.send(
                                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + httpsPort + "/q/metrics"))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode(),
                    "metrics on the API's port");

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

    private static int status(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    @Test
    void aLiveKeyWithAPlainHttpWebhookStopsStartUpNamingTheEntry() throws Exception {
        SelfSignedTls tls = SelfSignedTls.create("prod-profile-bad");
        Map<String, String> c = settings("https-it-bad");
        tls(c, tls.caPem, tls.keyPem);
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

    /**
     * The TLS files as the chart mounts them (a certificate and its key, in PEM), on a free https port;
     * that port.
     */
    private static int tls(Map<String, String> c, Path cert, Path key) {
        int httpsPort = OpenBao.freePort();
        c.put("ROTATOR_TLS_CERT_FILE", cert.toAbsolutePath().toString());
        c.put("ROTATOR_TLS_KEY_FILE", key.toAbsolutePath().toString());
        c.put("quarkus.http.ssl-port", Integer.toString(httpsPort));
        return httpsPort;
    }

    /** Starts a service expected to stop at start-up; its output. */
    private static String refusedStart(String name, Map<String, String> c) throws Exception {
        Path log = Path.of("target", "it-" + name + ".log");
        Files.deleteIfExists(log);
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> ServiceProcess.start(name, OpenBao.freePort(), c));
        assertTrue(e.getMessage().contains("exited"), e.getMessage());
        String text = Files.readString(log);
        assertFalse(text.contains("\tat "), "no stack trace: " + text);
        assertFalse(text.contains("\"stackTrace\""), "no JSON stack trace: " + text);
        return text;
    }

    @Test
    void theSimulatorIsRefusedInTheProdProfileInOneLine() throws Exception {
        SelfSignedTls tls = SelfSignedTls.create("prod-profile-sim");
        Map<String, String> c = settings("https-it-sim");
        tls(c, tls.caPem, tls.keyPem);
        c.put("rotator.kashier.dashboard", "simulator");
        c.put("rotator.kashier.simulator.url", "https://kashier-sim.internal/sim/kashier");
        String text = refusedStart("https-prod-sim", c);
        assertTrue(
                text.contains("rotator.kashier.dashboard: 'simulator' is refused in the prod profile; set it to "
                        + "'manual' (a person changes keys at the Kashier dashboard); a stand-in for Kashier (tests, "
                        + "scripts/try-production.sh) runs the profile 'simulated' (-Dquarkus.profile=simulated)"),
                text);
    }

    @Test
    void aManagementPortSharedWithTheApiStopsStartUpInOneLine() throws Exception {
        SelfSignedTls tls = SelfSignedTls.create("prod-profile-port");
        Map<String, String> c = settings("https-it-port");
        int https = tls(c, tls.caPem, tls.keyPem);
        // Started, both servers would share the socket and probes would meet the API's 404 at random.
        c.put("quarkus.management.port", Integer.toString(https));
        String text = refusedStart("https-prod-port", c);
        assertTrue(
                text.contains("quarkus.management.port: is " + https + ", as is quarkus.http.ssl-port; the "
                        + "management interface (health probes, metrics) needs a port of its own"),
                text);
    }

    @Test
    void aMissingTlsFileStopsStartUpInOneLineNamingTheSettingAndTheFix() throws Exception {
        Map<String, String> c = settings("https-it-nofile");
        Path missing = Path.of("target", "no-such-dir", "tls.crt").toAbsolutePath();
        SelfSignedTls tls = SelfSignedTls.create("prod-profile-nofile");
        tls(c, missing, tls.keyPem);
        String text = refusedStart("https-prod-nofile", c);
        assertTrue(
                text.contains("cannot start: ROTATOR_TLS_CERT_FILE (quarkus.http.ssl.certificate.files): no file at "
                        + missing + "; the API's TLS certificate is read from there: mount the TLS Secret (chart "
                        + "value tls.secretName) or set ROTATOR_TLS_CERT_FILE to a PEM certificate"),
                text);
    }

    @Test
    void aRenewedCertificateIsServedWithoutARestart() throws Exception {
        SelfSignedTls first = SelfSignedTls.create("prod-profile-first");
        SelfSignedTls renewed = SelfSignedTls.create("prod-profile-renewed");
        // The mounted Secret: the kubelet swaps its files when cert-manager renews it.
        Path mounted =
                Files.createDirectories(Path.of("target", "tls-reload-it").toAbsolutePath());
        Files.copy(first.caPem, mounted.resolve("tls.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(first.keyPem, mounted.resolve("tls.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Map<String, String> c = settings("https-it-reload");
        int httpsPort = tls(c, mounted.resolve("tls.crt"), mounted.resolve("tls.key"));
        c.put("ROTATOR_TLS_RELOAD_PERIOD", "30s"); // Quarkus' shortest
        URI whoami = URI.create("https://127.0.0.1:" + httpsPort + "/api/v1/whoami");
        try (ServiceProcess service = ServiceProcess.start("https-prod-reload", OpenBao.freePort(), c)) {
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions()
                    .until(() -> whoamiStatus(trusting(first), whoami) == 200);
            assertThrows(javax.net.ssl.SSLException.class, () -> whoamiStatus(trusting(renewed), whoami));

            Path staged = Files.createTempDirectory(mounted, "..data-");
            Files.copy(renewed.caPem, staged.resolve("tls.crt"));
            Files.copy(renewed.keyPem, staged.resolve("tls.key"));
            Files.move(
                    staged.resolve("tls.key"),
                    mounted.resolve("tls.key"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Files.move(
                    staged.resolve("tls.crt"),
                    mounted.resolve("tls.crt"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);

            // New connections (a new client each time) get the renewed certificate, from the same process,
            // within a period.
            await().atMost(Duration.ofSeconds(75))
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions()
                    .until(() -> whoamiStatus(trusting(renewed), whoami) == 200);
            assertTrue(service.alive());
            assertThrows(
                    javax.net.ssl.SSLException.class,
                    () -> whoamiStatus(trusting(first), whoami),
                    "the old certificate is no longer served");
        }
    }

    /** A new client (no connection kept from before) trusting only this certificate. */
    private static HttpClient trusting(SelfSignedTls tls) {
        return HttpClient.newBuilder()
                .sslContext(TlsTrust.load(tls.caPem.toString()).orElseThrow())
                .build();
    }

    private static int whoamiStatus(HttpClient client, URI uri) throws Exception {
        return client.send(
                        HttpRequest.newBuilder(uri)
                                .header("Authorization", "Bearer " + TOKEN)
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
