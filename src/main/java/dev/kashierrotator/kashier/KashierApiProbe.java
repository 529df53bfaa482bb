package dev.kashierrotator.kashier;

import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.rotation.KashierApi;
import dev.kashierrotator.util.BoundedHttp;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.UUID;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;

/**
 * Asks Kashier whether a secret key works: {@code GET <mode base URL>/payments/orders/<random id>} with
 * the key. Only two answers are answers: 401 (rejected) and 404 (accepted: the key is good, the order
 * unknown), or a 2xx. Anything else (403 from a WAF, 429, a redirect, 400, 5xx) says nothing about the
 * key and counts as Kashier being unavailable: a probe that failed open would verify a mistyped key.
 */
@ApplicationScoped
@Typed(KashierApiProbe.class)
public class KashierApiProbe implements KashierApi {

    /** The whole probe, connection to last byte; the answer body is read up to 16 KiB and dropped. */
    static final Duration CALL_BOUND = Duration.ofSeconds(10);

    private final HttpClient http;
    private final String testBaseUrl;
    private final String liveBaseUrl;
    private final Duration bound;

    @Inject
    public KashierApiProbe(HttpClient http, RotatorConfig config) {
        this(http, config.kashier().api().testBaseUrl(), config.kashier().api().liveBaseUrl(), CALL_BOUND);
    }

    /** {@code bound} replaces {@link #CALL_BOUND} so a test of the cut need not wait ten seconds. */
    KashierApiProbe(HttpClient http, String testBaseUrl, String liveBaseUrl, Duration bound) {
        this.http = http;
        this.bound = bound;
        this.testBaseUrl = testBaseUrl.replaceAll("/+$", "");
        this.liveBaseUrl = liveBaseUrl.replaceAll("/+$", "");
    }

    @Override
    @Timeout(15_000)
    @Retry(maxRetries = 3, delay = 200, jitter = 100, retryOn = KashierUnavailableException.class)
    @CircuitBreaker(
            requestVolumeThreshold = 10,
            failureRatio = 0.8,
            delay = 10_000,
            failOn = KashierUnavailableException.class)
    public boolean acceptsSecretKey(Mode mode, String secretKey) {
        String base = mode == Mode.LIVE ? liveBaseUrl : testBaseUrl;
        URI uri = URI.create(base + "/payments/orders/probe-" + UUID.randomUUID());
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(bound)
                .header("Authorization", secretKey)
                .header("Accept", "application/json")
                .GET()
                .build();
        int status;
        try {
            status = BoundedHttp.send(http, request, bound, 16 * 1024, false).status();
        } catch (IOException e) {
            throw new KashierUnavailableException("Kashier " + mode + " API at " + base + " is unreachable: "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
        }
        if (status == 401) {
            return false;
        }
        if (status == 404 || (status >= 200 && status < 300)) {
            return true;
        }
        throw new KashierUnavailableException("Kashier " + mode + " API answered HTTP " + status
                + " to a key probe, which says nothing about the key (only 401 rejects it, 404 accepts it)");
    }
}
