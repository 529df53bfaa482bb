package dev.kashierrotator.security;

import static dev.kashierrotator.testing.Api.asAdmin;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.rotation.KeyStore;
import dev.kashierrotator.rotation.StoredKey;
import dev.kashierrotator.sim.KashierSimulator;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * A key value never appears in a log line, an API response, a metric or a test report. Runs after the
 * other tests of its group, over everything they produced.
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
@Order(Integer.MAX_VALUE)
class NoKeyLeakTest {

    /** Anything shaped like a Kashier secret key. */
    private static final Pattern SECRET_KEY_SHAPE = Pattern.compile("[0-9a-f]{32}\\$[0-9a-f]{96}");

    @Inject
    KashierSimulator simulator;

    @Inject
    KeyStore keys;

    @Inject
    Inventory inventory;

    @Test
    void noKeyValueInLogsResponsesMetricsOrReports() throws IOException {
        Set<String> values = knownKeyValues();
        assertTrue(values.size() >= inventory.keys().size(), "the run handled keys to look for");

        List<String> places = new ArrayList<>();
        Path log = Path.of("target", "quarkus-test.log");
        String logText = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(logText.contains("step ROLLOUT done"), "the log holds rotations to inspect");
        places.add(scan("log " + log, logText, values));

        // Operations endpoints first, each on a fresh connection (see operationsEndpoint).
        places.add(scan("/q/metrics", operationsEndpoint("/q/metrics"), values));
        places.add(scan("/q/health", operationsEndpoint("/q/health"), values));
        places.add(scan("/q/openapi", operationsEndpoint("/q/openapi"), values));

        places.add(scan("GET /api/v1/keys", asAdmin().get("/api/v1/keys").asString(), values));
        for (KeySpec key : inventory.keys()) {
            places.add(scan(
                    "GET /api/v1/keys/" + key.id(),
                    asAdmin().get("/api/v1/keys/" + key.id()).asString(),
                    values));
        }
        // Every record, in full: the same document GET /api/v1/rotations/{id} and POST answer.
        String rotations = asAdmin().get("/api/v1/rotations?limit=1000").asString();
        assertFalse(
                io.restassured.path.json.JsonPath.from(rotations).getList("id").isEmpty(),
                "rotations ran before this check");
        places.add(scan("GET /api/v1/rotations", rotations, values));

        Path reports = Path.of("target", "surefire-reports");
        if (Files.isDirectory(reports)) {
            try (Stream<Path> files = Files.list(reports)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    // Read leniently: a test JVM that died leaves binary event dumps here, which must be scanned too.
                    String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
                    places.add(scan("report " + f.getFileName(), text, values));
                }
            }
        }
        // Tokens and webhook signing secrets: never in the log, an answer, a metric or the OpenAPI document.
        Set<String> secrets = credentials();
        assertTrue(secrets.size() >= 10, "credentials to look for: " + secrets.size());
        places.add(scan("log " + log + " (credentials)", logText, secrets));
        places.add(scan("/q/metrics (credentials)", operationsEndpoint("/q/metrics"), secrets));
        places.add(scan("/q/openapi (credentials)", operationsEndpoint("/q/openapi"), secrets));
        places.add(scan(
                "answers (credentials)",
                rotations
                        + asAdmin().get("/api/v1/keys").asString()
                        + asAdmin().get("/api/v1/audit?limit=1000").asString()
                        + asAdmin()
                                .contentType("application/json")
                                .body("{\"reason\":\"x\",\"dryRun\":true}")
                                .post("/api/v1/keys/pay-e2e/rotations")
                                .asString(),
                secrets));

        List<String> leaks = places.stream().filter(p -> p != null).toList();
        if (!leaks.isEmpty()) {
            fail("key material found in: " + String.join("; ", leaks));
        }
    }

    /**
     * GET over HTTP/1.1 on a new connection, bounded at 20 s on the wall clock, body included. Twice, late
     * in a full run, an answer from the management port did not come: once /q/metrics in 30 s, once
     * /q/openapi for minutes, the JDK client's own timeout (which ends at the headers) never firing, no
     * thread of the service serving it; that client asks for an HTTP/2 upgrade on plain http unless told
     * not to. Should it happen again, a thread dump of this JVM (the service runs in it) lands in
     * target/metrics-hang-threads.txt for whoever fixes it, and the test fails rather than waits.
     */
    private String operationsEndpoint(String path) throws IOException {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .connectTimeout(java.time.Duration.ofSeconds(5))
                .build();
        java.net.URI uri =
                java.net.URI.create("http://localhost:" + dev.kashierrotator.testing.Api.managementPort() + path);
        java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>> answer = http.sendAsync(
                java.net.http.HttpRequest.newBuilder(uri)
                        .timeout(java.time.Duration.ofSeconds(20))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        try {
            return answer.get(20, java.util.concurrent.TimeUnit.SECONDS).body();
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            answer.cancel(true);
            StringBuilder dump = new StringBuilder();
            Thread.getAllStackTraces().forEach((t, stack) -> {
                dump.append(t.getName()).append(" (").append(t.getState()).append(")\n");
                for (StackTraceElement el : stack) {
                    dump.append("    at ").append(el).append('\n');
                }
            });
            Path file = Path.of("target", "metrics-hang-threads.txt");
            Files.writeString(file, dump);
            throw new AssertionError(path + " did not answer within 20 s (" + e + "); thread dump in " + file);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** The API tokens and every configured webhook signing secret. */
    private static Set<String> credentials() {
        org.eclipse.microprofile.config.Config config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        Set<String> secrets = new HashSet<>();
        secrets.add(config.getValue("rotator.bootstrap-token", String.class));
        for (String role : List.of("viewer", "operator", "oncall", "admin", "test-operator")) {
            secrets.add(role + "-token");
        }
        for (String name : config.getPropertyNames()) {
            if (name.startsWith("rotator.dependents.") && name.endsWith(".signing-secret")) {
                secrets.add(config.getValue(name, String.class));
            }
        }
        return secrets;
    }

    private Set<String> knownKeyValues() {
        Set<String> values = new HashSet<>(simulator.everIssued());
        for (KeySpec key : inventory.keys()) {
            keys.current(key.id()).ifPresent(current -> {
                for (long v = 1; v <= current.version(); v++) {
                    keys.version(key.id(), v).map(StoredKey::value).ifPresent(values::add);
                }
            });
        }
        return values;
    }

    /** Names the place (never the value) when it holds a known key or anything shaped like a secret key. */
    private static String scan(String place, String text, Set<String> values) {
        long found = values.stream().filter(text::contains).count();
        if (found > 0) {
            return place + " (" + found + " known key value(s))";
        }
        if (SECRET_KEY_SHAPE.matcher(text).find()) {
            return place + " (a secret-key-shaped string)";
        }
        return null;
    }
}
