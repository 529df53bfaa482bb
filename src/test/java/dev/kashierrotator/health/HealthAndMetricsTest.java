package dev.kashierrotator.health;

import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.testing.Api;
import dev.kashierrotator.testing.RotatorTestResource;
import dev.kashierrotator.vault.VaultKv;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** Probes and metrics, without a token, as Kubernetes and Prometheus see them. */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class HealthAndMetricsTest {

    @Test
    void liveAndReadyWhenVaultAcceptsTheToken() {
        Api.management().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        Api.management()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'vault' }.status", equalTo("UP"));
    }

    @Test
    void metricsCountRotationsByOutcome() {
        awaitState(rotate("secret-e2e", "metrics check"), "COMPLETED", 30);
        Api.management()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("rotator_rotations_total{"))
                .body(containsString("outcome=\"completed\""))
                .body(containsString("rotator_rotation_duration_seconds"))
                .body(containsString("rotator_dependent_pushes_total"));
        // Every metric the chart's PrometheusRule alerts on is exported (the ticks run every second here).
        String metrics = org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(20))
                .until(
                        () -> Api.management().get("/q/metrics").asString(),
                        text -> text.contains("rotator_vault_up 1.0")
                                && !text.contains("rotator_scheduler_last_tick_timestamp_seconds NaN"));
        for (String name : dev.kashierrotator.helm.HelmChartTest.ALERT_METRICS) {
            if (name.startsWith("rotator_notifications_")) {
                continue; // per channel: NotificationsTest, whose service has channels, checks them
            }
            assertTrue(
                    java.util.regex.Pattern.compile("(?m)^" + name + "[{ ]")
                            .matcher(metrics)
                            .find(),
                    name + " is not exported");
        }
    }

    @Inject
    VaultKv kv;

    @Test
    void pollingReadinessDoesNotTurnEveryPollIntoAVaultCall() {
        double before = tokenChecks();
        long started = System.nanoTime();
        for (int i = 0; i < 50; i++) {
            Api.management().get("/q/health/ready").then().statusCode(200);
        }
        long windows = (System.nanoTime() - started) / 2_000_000_000L + 1;
        double calls = tokenChecks() - before;
        assertTrue(
                calls <= windows + 1, calls + " Vault token checks for 50 polls in " + windows + " 2-second windows");
    }

    private static double tokenChecks() {
        return Api.management()
                .get("/q/metrics")
                .asString()
                .lines()
                .filter(l -> l.startsWith("rotator_vault_token_checks_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    @Test
    void vaultCallsDoNotLeaveThreadsBehind() {
        // The driver used to build an HttpClient (with its own threads) per request: after a busy run the
        // JVM held thousands of them and a metrics scrape stalled walking them.
        long before = httpClientThreads();
        for (int i = 0; i < 200; i++) {
            kv.read("kashier/pay-e2e");
        }
        long grown = httpClientThreads() - before;
        assertTrue(grown < 20, "200 Vault reads started " + grown + " HttpClient threads");
    }

    private static long httpClientThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("HttpClient-"))
                .count();
    }

    @Test
    void openApiDocumentDescribesTheApi() {
        Api.management()
                .get("/q/openapi?format=json")
                .then()
                .statusCode(200)
                .body("paths", org.hamcrest.Matchers.hasKey("/api/v1/keys/{keyId}/rotations"))
                .body("components.securitySchemes.bearer.scheme", equalTo("bearer"))
                // A rotation is described as the API sends it: the record's value parts flat, as documented.
                .body(
                        "components.schemas.RotationView.properties.keySet()",
                        org.hamcrest.Matchers.hasItems(
                                "keyId", "mode", "oldFingerprint", "newVersion", "graceUntil", "blockedBy", "owner"))
                .body(
                        "components.schemas.RotationView.properties.keySet()",
                        org.hamcrest.Matchers.everyItem(org.hamcrest.Matchers.not(org.hamcrest.Matchers.oneOf(
                                "request", "oldKey", "newKey", "oldKeyEnd", "personWait", "abort", "lease"))));
    }
}
