package dev.kashierrotator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.sim.DemoDependent;
import dev.kashierrotator.testing.Cluster;
import dev.kashierrotator.testing.ServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The start-up rehearsal of the rollout, through the packaged service: readiness waits for it, never past
 * its bound, and it reaches nothing outside the process and counts in no metric.
 */
class WarmUpIT {

    @Test
    void aRehearsalThatCannotFinishHoldsReadinessOnlyUntilItsBoundAndTouchesNoDependent() throws Exception {
        try (DemoDependent real = DemoDependent.start("it-warm-real", "warm-secret", 0);
                Cluster cluster = new Cluster("it-warm")) {
            cluster.paymentKey("warm-pay", "MID-7000-031", "1s")
                    .webhook("warm-fleet", "warm-pay", 0, real, "warm-secret")
                    // More than a second lets it make: the rehearsal is stopped by the bound.
                    .set("rotator.engine.warm-up-deliveries", "10000")
                    .set("rotator.engine.warm-up-bound", "1s");
            try (ServiceProcess service = cluster.replica("warm-replica")) {
                JsonNode ready = get(service.managementUrl() + "/q/health/ready");
                JsonNode warmUp = check(ready, "warm-up");
                assertEquals("UP", warmUp.path("status").asText(), ready.toString());
                String outcome = warmUp.path("data").path("outcome").asText();
                Matcher m = Pattern.compile(
                                "stopped at the bound \\(rotator\\.engine\\.warm-up-bound=PT1S\\) after (\\d+) deliveries"
                                        + " and (\\d+) verify calls to a loopback receiver in (\\d+) ms")
                        .matcher(outcome);
                assertTrue(m.matches(), outcome);
                assertTrue(Integer.parseInt(m.group(1)) > 0, "the rehearsal ran: " + outcome);
                assertTrue(Integer.parseInt(m.group(3)) < 1000 + 2000, "ended by the bound: " + outcome);

                // Readiness said so meanwhile (SmallRye Health logs each DOWN answer).
                String log = Files.readString(Path.of("target", "it-warm-replica.log"));
                assertTrue(
                        log.lines()
                                .anyMatch(l -> l.contains("Reporting health down status")
                                        && l.contains("warm-up")
                                        && l.contains("rehearsing 10000 deliveries")),
                        "readiness was DOWN, naming the rehearsal, while it ran");

                // Nothing reached the inventory's dependent, and no metric counted the rehearsal.
                assertTrue(real.received().isEmpty(), "deliveries to a real dependent: " + real.received());
                String metrics = text(service.managementUrl() + "/q/metrics");
                assertTrue(
                        metrics.lines()
                                .filter(l -> l.startsWith("rotator_dependent_pushes_total"))
                                .allMatch(l -> l.endsWith(" 0.0")),
                        metrics.lines()
                                .filter(l -> l.startsWith("rotator_dependent_pushes"))
                                .toList()
                                .toString());
            }
        }
    }

    static JsonNode check(JsonNode health, String name) {
        for (JsonNode c : health.path("checks")) {
            if (name.equals(c.path("name").asText())) {
                return c;
            }
        }
        throw new AssertionError("no check " + name + " in " + health);
    }

    private static JsonNode get(String url) throws Exception {
        return new ObjectMapper().readTree(text(url));
    }

    private static String text(String url) throws Exception {
        return HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
