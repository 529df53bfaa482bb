package dev.kashierrotator.rollout;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.inventory.DependentSpec;
import dev.kashierrotator.rollout.Target.DeliveryException;
import dev.kashierrotator.rotation.Delivery;
import dev.kashierrotator.rotation.Fingerprints;
import dev.kashierrotator.util.BoundedHttp;
import dev.kashierrotator.util.HttpClientProducer;
import dev.kashierrotator.util.TlsTrust;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A dependent's verify URL (docs/webhook-protocol.md, "The verify-url"): {@code GET} answers {@code
 * {"keys": {"<keyId>": "<fingerprint in use>"}}}. Webhooks have one; so may the service that reads a
 * vault-kv dependent's path. Answers are read up to 64 KiB, looked at only for that report, never kept
 * or logged; every call is bounded on the wall clock ({@link BoundedHttp}).
 */
@ApplicationScoped
public class VerifyUrl {

    /**
     * The most bytes read of an answer: a verify answer lists fingerprints (a few dozen bytes a key), a
     * delivery's answer is dropped; a dependent streaming more is cut off instead of filling the heap.
     */
    static final int MAX_BODY = 64 * 1024;

    private final HttpClient http;
    private final ObjectMapper json;
    private final Map<String, HttpClient> ownTrust = new ConcurrentHashMap<>();

    public VerifyUrl(HttpClient http, ObjectMapper json) {
        this.http = http;
        this.json = json;
    }

    /** The shared client, or one trusting only the dependent's CA bundle (redirects never followed either way). */
    HttpClient client(DependentSpec dependent) {
        if (dependent.caBundle().isEmpty()) {
            return http;
        }
        return ownTrust.computeIfAbsent(
                dependent.id(),
                id -> HttpClientProducer.builder()
                        .sslContext(TlsTrust.load(dependent.caBundle().get())
                                .orElseThrow(
                                        () -> new DeliveryException("ca-bundle of " + id + " holds no certificate")))
                        .build());
    }

    /** Whether a body of the verify URL's shape names the delivered key's fingerprint for its key id. */
    boolean reports(byte[] body, Delivery delivery) {
        return reported(body, delivery)
                .filter(delivery.newKey().fingerprint()::equals)
                .isPresent();
    }

    /** The fingerprint a body of the verify URL's shape names for the delivered key's id. */
    private Optional<String> reported(byte[] body, Delivery delivery) {
        if (body.length == 0 || body[0] != '{') {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(
                    json.readTree(body).path("keys").path(delivery.key().id()).asText(null));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Asks the dependent's verify URL once: empty when it reports the delivered key's fingerprint, else
     * what it said instead (for the error a person reads). Never a key: only fingerprints and statuses.
     */
    Optional<String> whyNot(DependentSpec dependent, Delivery delivery) {
        String address = dependent.verifyUrl().orElseThrow();
        String url = dev.kashierrotator.util.Urls.shown(address);
        HttpRequest request = HttpRequest.newBuilder(URI.create(address))
                .header("Accept", "application/json")
                .GET()
                .build();
        try {
            BoundedHttp.Answer answer = BoundedHttp.send(
                    client(dependent), request, delivery.key().rollout().callTimeout(), MAX_BODY, true);
            if (answer.status() != 200) {
                return Optional.of("its verify-url " + url + " answered HTTP " + answer.status());
            }
            Optional<String> reported = reported(answer.body(), delivery);
            if (reported.isEmpty()) {
                return Optional.of("its verify-url " + url + " reports no fingerprint for "
                        + delivery.key().id());
            }
            if (!reported.get().equals(delivery.newKey().fingerprint())) {
                return Optional.of("its verify-url " + url + " reports "
                        + Fingerprints.shown(reported.get(), "something else") + " in use");
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(
                    "its verify-url " + url + " did not answer: " + e.getClass().getSimpleName());
        }
    }
}
