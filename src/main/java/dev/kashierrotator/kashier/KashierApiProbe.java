package dev.kashierrotator.kashier;

import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.rotation.KashierApi;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;

/**
 * Asks Kashier whether a secret key works: {@code GET <mode base URL>/payments/orders/<random id>} with
 * the key. 401 means rejected; anything else (404 for the unknown order) means accepted.
 */
@ApplicationScoped
public class KashierApiProbe implements KashierApi {

    private final HttpClient http;
    private final RotatorConfig.Kashier.Api api;

    public KashierApiProbe(HttpClient http, RotatorConfig config) {
        this.http = http;
        this.api = config.kashier().api();
    }

    @Override
    @Timeout(15_000)
    @Retry(maxRetries = 3, delay = 200, jitter = 100, retryOn = KashierUnavailableException.class)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.8, delay = 10_000,
            failOn = KashierUnavailableException.class)
    public boolean acceptsSecretKey(Mode mode, String secretKey) {
        String base = (mode == Mode.LIVE ? api.liveBaseUrl() : api.testBaseUrl()).replaceAll("/+$", "");
        URI uri = URI.create(base + "/payments/orders/probe-" + UUID.randomUUID());
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", secretKey)
                .header("Accept", "application/json")
                .GET()
                .build();
        try {
            int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status >= 500) {
                throw new KashierUnavailableException("Kashier " + mode + " API answered HTTP " + status);
            }
            return status != 401;
        } catch (IOException e) {
            throw new KashierUnavailableException("Kashier " + mode + " API at " + base + " is unreachable: "
                    + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KashierUnavailableException("interrupted while probing the Kashier API");
        }
    }
}
