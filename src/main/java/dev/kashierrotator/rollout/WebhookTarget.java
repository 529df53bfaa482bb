package dev.kashierrotator.rollout;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.inventory.DependentSpec;
import dev.kashierrotator.inventory.DependentType;
import dev.kashierrotator.rotation.Delivery;
import dev.kashierrotator.rotation.StoredKey;
import dev.kashierrotator.util.BoundedHttp;
import dev.kashierrotator.util.Urls;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Webhook dependents (docs/webhook-protocol.md): a signed POST of the event, then polling of the verify URL until
 * the dependent reports the new fingerprint, unless the delivery's answer already does. Answer bodies are
 * read up to 64 KiB, looked at only for that report, and never kept or logged; every call is bounded on the
 * wall clock ({@link BoundedHttp}).
 */
@ApplicationScoped
public class WebhookTarget implements Target {

    static final int MAX_BODY = VerifyUrl.MAX_BODY;

    private final ObjectMapper json;
    private final VerifyUrl verifyUrl;
    private final Clock clock;

    public WebhookTarget(ObjectMapper json, VerifyUrl verifyUrl, Clock clock) {
        this.json = json;
        this.verifyUrl = verifyUrl;
        this.clock = clock;
    }

    @Override
    public DependentType type() {
        return DependentType.WEBHOOK;
    }

    @Override
    public boolean deliver(DependentSpec dependent, Delivery delivery) {
        byte[] body = body(dependent, delivery);
        String timestamp = Long.toString(clock.instant().getEpochSecond());
        // No request timeout: the wall-clock bound of BoundedHttp covers the whole exchange, and each JDK
        // timeout is a timer registered under the client's lock, contended by every rollout thread.
        HttpRequest request = HttpRequest.newBuilder(URI.create(dependent.url().orElseThrow()))
                .header("Content-Type", "application/json")
                .header("X-Rotator-Event", delivery.event())
                .header("X-Rotator-Delivery", deliveryId(dependent, delivery))
                .header(
                        "X-Rotator-Signature",
                        Signatures.header(dependent.signingSecret().orElseThrow(), timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        BoundedHttp.Answer answer;
        try {
            answer = BoundedHttp.send(
                    verifyUrl.client(dependent),
                    request,
                    delivery.key().rollout().callTimeout(),
                    MAX_BODY,
                    true);
        } catch (IOException e) {
            throw new DeliveryException("POST " + Urls.shown(dependent.url().get()) + " failed: "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
        }
        if (answer.status() < 200 || answer.status() > 299) {
            throw new DeliveryException(
                    "POST " + Urls.shown(dependent.url().get()) + " answered HTTP " + answer.status());
        }
        // A receiver may answer with what its verify URL would say once the key is in use
        // (docs/webhook-protocol.md): that saves the check. Anything else in the body is ignored.
        return verifyUrl.reports(answer.body(), delivery);
    }

    @Override
    public boolean confirms(DependentSpec dependent, Delivery delivery) {
        return verifyUrl.whyNot(dependent, delivery).isEmpty();
    }

    @Override
    public java.util.Optional<String> whyNotConfirmed(DependentSpec dependent, Delivery delivery) {
        return verifyUrl.whyNot(dependent, delivery);
    }

    /** The same id for every attempt of one event to one dependent, so dependents can deduplicate. */
    static String deliveryId(DependentSpec dependent, Delivery delivery) {
        return UUID.nameUUIDFromBytes((delivery.rotationId() + "|" + dependent.id() + "|" + delivery.event())
                        .getBytes(StandardCharsets.UTF_8))
                .toString();
    }

    private byte[] body(DependentSpec dependent, Delivery delivery) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("event", delivery.event());
        body.put("rotationId", delivery.rotationId());
        body.put("keyId", delivery.key().id());
        body.put("mid", delivery.key().mid());
        body.put("mode", delivery.key().mode().id());
        body.put("kind", delivery.key().kind().id());
        body.put("fingerprint", delivery.newKey().fingerprint());
        body.put(
                "previousFingerprint",
                delivery.previousKey().map(StoredKey::fingerprint).orElse(null));
        body.put(
                "vault",
                Map.of(
                        "mount",
                        delivery.vaultMount(),
                        "path",
                        delivery.vaultPath(),
                        "version",
                        delivery.vaultVersion()));
        if (dependent.inlineDelivery()) {
            body.put("key", delivery.newKey().value());
            delivery.graceUntil()
                    .flatMap(g -> delivery.previousKey())
                    .ifPresent(previous -> body.put("previousKey", previous.value()));
        }
        body.put("graceUntil", delivery.graceUntil().map(Instant::toString).orElse(null));
        try {
            return json.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new DeliveryException("cannot encode the webhook body");
        }
    }
}
