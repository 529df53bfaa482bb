package dev.kashierrotator.rollout;

import dev.kashierrotator.inventory.DependentSpec;
import dev.kashierrotator.inventory.DependentType;
import dev.kashierrotator.inventory.Workload;
import dev.kashierrotator.rotation.Delivery;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * kubernetes-secret dependents: the key goes into the named Secret (data key {@code <keyId>}, and
 * {@code <keyId>.previous} while a payment key's grace runs), then every listed workload (Deployment,
 * StatefulSet, DaemonSet) is restarted and the dependent counts as done only when each rollout has completed. Written with the Secret's
 * resourceVersion (optimistic concurrency); workloads are patched with JSON merge patches.
 */
@ApplicationScoped
public class KubernetesSecretTarget implements Target {

    /** Annotation on the Secret: fingerprint of each key it holds, so confirmation needs no key value. */
    static final String FINGERPRINT_PREFIX = "kashier-rotator.dev/fingerprint.";

    private final KubernetesClient kubernetes;
    private final RestartCoordinator restarts;

    public KubernetesSecretTarget(KubernetesClient kubernetes, RestartCoordinator restarts) {
        this.kubernetes = kubernetes;
        this.restarts = restarts;
    }

    @Override
    public DependentType type() {
        return DependentType.KUBERNETES_SECRET;
    }

    @Override
    public boolean deliver(DependentSpec dependent, Delivery delivery) {
        String ns = dependent.namespace().orElseThrow();
        String name = dependent.secretName().orElseThrow();
        String keyId = delivery.key().id();
        try {
            Secret current = kubernetes.secrets().inNamespace(ns).withName(name).get();
            Map<String, String> data =
                    new HashMap<>(current == null || current.getData() == null ? Map.of() : current.getData());
            data.put(keyId, b64(delivery.newKey().value()));
            if (delivery.graceUntil().isPresent() && delivery.previousKey().isPresent()) {
                data.put(keyId + ".previous", b64(delivery.previousKey().get().value()));
            } else {
                data.remove(keyId + ".previous");
            }
            Map<String, String> annotations = new HashMap<>(
                    current == null || current.getMetadata().getAnnotations() == null
                            ? Map.of()
                            : current.getMetadata().getAnnotations());
            annotations.put(FINGERPRINT_PREFIX + keyId, delivery.newKey().fingerprint());
            if (current == null) {
                kubernetes
                        .secrets()
                        .inNamespace(ns)
                        .resource(new SecretBuilder()
                                .withNewMetadata()
                                .withName(name)
                                .withNamespace(ns)
                                .withAnnotations(annotations)
                                .endMetadata()
                                .withType("Opaque")
                                .withData(data)
                                .build())
                        .create();
            } else {
                current.setData(data);
                current.getMetadata().setAnnotations(annotations);
                // replace() carries the resourceVersion read above: a concurrent writer makes it fail.
                kubernetes.secrets().inNamespace(ns).resource(current).update();
            }
        } catch (KubernetesClientException e) {
            throw new DeliveryException("Secret " + ns + "/" + name + ": Kubernetes answered " + e.getCode()
                    + (e.getStatus() == null
                            ? ""
                            : " " + Objects.toString(e.getStatus().getReason(), "")));
        }
        for (Workload workload : dependent.restart()) {
            restarts.request(ns, workload, name);
        }
        // The Secret says nothing of the pods using it: the check looks at them.
        return false;
    }

    /** Confirmed when nothing is left to explain: the Secret holds the key and every workload rolled out. */
    @Override
    public boolean confirms(DependentSpec dependent, Delivery delivery) {
        try {
            return whyNotConfirmed(dependent, delivery).isEmpty();
        } catch (KubernetesClientException e) {
            return false;
        }
    }

    @Override
    public Optional<String> whyNotConfirmed(DependentSpec dependent, Delivery delivery) {
        String ns = dependent.namespace().orElseThrow();
        String name = dependent.secretName().orElseThrow();
        Secret secret = kubernetes.secrets().inNamespace(ns).withName(name).get();
        if (secret == null) {
            return Optional.of("Secret " + ns + "/" + name + " does not exist (deleted after it was written?)");
        }
        String held = secret.getMetadata().getAnnotations() == null
                ? null
                : secret.getMetadata()
                        .getAnnotations()
                        .get(FINGERPRINT_PREFIX + delivery.key().id());
        if (!delivery.newKey().fingerprint().equals(held)) {
            return Optional.of("Secret " + ns + "/" + name + " holds fingerprint " + held + " for "
                    + delivery.key().id() + " (written by someone else since?)");
        }
        List<String> behind = new ArrayList<>();
        for (Workload workload : dependent.restart()) {
            restarts.notRolledOut(ns, workload, secret).ifPresent(behind::add);
        }
        return behind.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", behind));
    }

    private static String b64(String value) {
        return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }
}
