package dev.kashierrotator.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.kashier.KashierUnavailableException;
import dev.kashierrotator.kashier.SimulatedDashboard;
import dev.kashierrotator.rotation.IssuedKey;
import dev.kashierrotator.util.BoundedHttp;
import io.quarkus.runtime.LaunchMode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;

/**
 * The dashboard step done by the Kashier simulator ({@code rotator.kashier.dashboard: simulator}),
 * over HTTP so that several service processes can share one simulator.
 */
@ApplicationScoped
@Typed(SimulatedDashboard.class)
public class SimulatorDashboard implements SimulatedDashboard {

    private final HttpClient http;
    private final ObjectMapper json;
    private final Optional<String> configuredUrl;

    public SimulatorDashboard(HttpClient http, ObjectMapper json, RotatorConfig config) {
        this.http = http;
        this.json = json;
        this.configuredUrl = config.kashier().simulator().url().map(u -> u.replaceAll("/+$", ""));
    }

    /**
     * The simulator's base URL: the one configured, else this service's own plain-http port, read when
     * first needed (after the server bound it, so a random port 0 is known too).
     */
    private String baseUrl() {
        return configuredUrl.orElseGet(() -> {
            String port = LaunchMode.current() == LaunchMode.TEST ? "quarkus.http.test-port" : "quarkus.http.port";
            return "http://127.0.0.1:"
                    + ConfigProvider.getConfig()
                            .getOptionalValue(port, Integer.class)
                            .orElse(8080)
                    + "/sim/kashier";
        });
    }

    @Override
    public boolean automated() {
        return true;
    }

    @Override
    @Timeout(10_000)
    @Retry(maxRetries = 2, delay = 200, jitter = 100, retryOn = KashierUnavailableException.class)
    public IssuedKey issuePaymentKey(KeySpec key) {
        JsonNode shown = send("POST", key, "/dashboard/payment-keys", Map.of("mid", key.mid()), 201);
        return new IssuedKey(
                shown.path("key").asText(), Optional.of(shown.path("id").asText()));
    }

    @Override
    @Timeout(10_000)
    @Retry(maxRetries = 2, delay = 200, jitter = 100, retryOn = KashierUnavailableException.class)
    public List<DashboardKey> paymentKeys(KeySpec key) {
        JsonNode keys = send("GET", key, "/dashboard/keys?mid=" + enc(key.mid()), null, 200);
        List<DashboardKey> result = new ArrayList<>();
        for (JsonNode k : keys) {
            if ("payment-api-key".equals(k.path("kind").asText())) {
                result.add(new DashboardKey(
                        k.path("id").asText(),
                        k.path("fingerprint").asText(),
                        k.path("active").asBoolean(),
                        Instant.parse(k.path("createdAt").asText())));
            }
        }
        return result;
    }

    @Override
    @Timeout(10_000)
    @Retry(maxRetries = 2, delay = 200, jitter = 100, retryOn = KashierUnavailableException.class)
    public void deletePaymentKey(KeySpec key, String kashierKeyId, String fingerprint) {
        String target = kashierKeyId != null && !kashierKeyId.isEmpty() ? kashierKeyId : fingerprint;
        // 404: already gone, which is what this step wants.
        send("DELETE", key, "/dashboard/payment-keys/" + enc(target) + "?mid=" + enc(key.mid()), null, 204, 404);
    }

    @Override
    @Timeout(10_000)
    public IssuedKey changeSecretKey(KeySpec key, String user) {
        // Not retried: a change whose answer was lost has still expired the old key and made a new one.
        JsonNode shown =
                send("POST", key, "/dashboard/secret-keys/" + enc(user) + "/change", Map.of("mid", key.mid()), 200);
        return new IssuedKey(shown.path("key").asText(), Optional.empty());
    }

    @Override
    @Timeout(10_000)
    public void expireSecretKey(KeySpec key, String user) {
        changeSecretKey(key, user);
    }

    private JsonNode send(String method, KeySpec key, String path, Object body, int... expected) {
        URI uri = URI.create(baseUrl() + "/" + key.mode().id() + path);
        try {
            HttpRequest.BodyPublisher publisher = body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body));
            HttpRequest request = HttpRequest.newBuilder(uri)
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .method(method, publisher)
                    .build();
            BoundedHttp.Answer response = BoundedHttp.send(http, request, Duration.ofSeconds(10), 1024 * 1024, true);
            for (int status : expected) {
                if (response.status() == status) {
                    return response.body().length == 0 ? json.createObjectNode() : json.readTree(response.body());
                }
            }
            throw new KashierUnavailableException("Kashier dashboard (simulator) " + method + " " + uri.getPath()
                    + " answered HTTP " + response.status());
        } catch (IOException e) {
            throw new KashierUnavailableException("Kashier dashboard (simulator) at " + baseUrl() + " is unreachable: "
                    + e.getClass().getSimpleName());
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
