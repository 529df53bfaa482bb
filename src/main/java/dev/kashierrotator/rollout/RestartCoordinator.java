package dev.kashierrotator.rollout;

import dev.kashierrotator.config.RotatorConfig;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Restarts Deployments after their Secret changed, once per burst: requests for one Deployment within
 * {@code rotator.kubernetes.restart-debounce} share a single restart, whose pod-template annotation is a
 * digest of the key fingerprints in the Secret at that moment. A Deployment already restarted for the
 * Secret's current content is not restarted again (a repeated step costs no second rollout).
 */
@ApplicationScoped
public class RestartCoordinator {

    /** Pod-template annotation whose change makes Kubernetes roll the Deployment. */
    static final String RESTART_ANNOTATION = "kashier-rotator.dev/keys";

    private final KubernetesClient kubernetes;
    private final Duration debounce;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "deployment-restarts");
        t.setDaemon(true);
        return t;
    });
    /** Deployments with a restart scheduled, by namespace/name. */
    private final Map<String, String> scheduled = new ConcurrentHashMap<>();
    /** Generation each Deployment must reach for the restart this replica made, by namespace/name. */
    private final Map<String, Long> awaited = new ConcurrentHashMap<>();

    public RestartCoordinator(KubernetesClient kubernetes, RotatorConfig config) {
        this.kubernetes = kubernetes;
        this.debounce = config.kubernetes().restartDebounce();
    }

    /** Asks for a restart of the Deployment because its Secret changed. */
    public void request(String namespace, String deployment, String secret) {
        String id = namespace + "/" + deployment;
        if (scheduled.putIfAbsent(id, secret) == null) {
            timer.schedule(() -> restart(namespace, deployment, secret), debounce.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Whether the Deployment runs pods made from the Secret's current content. */
    public boolean rolledOut(String namespace, String deployment, Secret secret) {
        String id = namespace + "/" + deployment;
        if (scheduled.containsKey(id)) {
            return false;
        }
        Deployment d = kubernetes
                .apps()
                .deployments()
                .inNamespace(namespace)
                .withName(deployment)
                .get();
        if (d == null) {
            return false;
        }
        Map<String, String> template = d.getSpec().getTemplate().getMetadata() == null
                ? null
                : d.getSpec().getTemplate().getMetadata().getAnnotations();
        if (template == null || !digest(secret).equals(template.get(RESTART_ANNOTATION))) {
            // Not restarted for this content, nothing scheduled (a resumed rotation, a failed patch): ask again.
            request(namespace, deployment, secret.getMetadata().getName());
            return false;
        }
        return KubernetesSecretTarget.complete(d, awaited.getOrDefault(id, 0L));
    }

    private void restart(String namespace, String deployment, String secretName) {
        String id = namespace + "/" + deployment;
        try {
            Secret secret = kubernetes
                    .secrets()
                    .inNamespace(namespace)
                    .withName(secretName)
                    .get();
            Deployment d = kubernetes
                    .apps()
                    .deployments()
                    .inNamespace(namespace)
                    .withName(deployment)
                    .get();
            if (secret == null || d == null) {
                Log.warnf("restart of deployment %s skipped: %s", id, d == null ? "no such deployment" : "no secret");
                return;
            }
            String value = digest(secret);
            Map<String, String> template = d.getSpec().getTemplate().getMetadata() == null
                    ? null
                    : d.getSpec().getTemplate().getMetadata().getAnnotations();
            if (template != null && value.equals(template.get(RESTART_ANNOTATION))) {
                return;
            }
            long before = Objects.requireNonNullElse(d.getMetadata().getGeneration(), 0L);
            // JSON merge patch: what Kubernetes' own "rollout restart" changes, and what the mock server takes.
            String patch = "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"" + RESTART_ANNOTATION + "\":\""
                    + value + "\"}}}}}";
            kubernetes
                    .apps()
                    .deployments()
                    .inNamespace(namespace)
                    .withName(deployment)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
            awaited.put(id, before + 1);
            Log.infof("restarted deployment %s for secret %s", id, secretName);
        } catch (KubernetesClientException e) {
            Log.warnf("restart of deployment %s failed: Kubernetes answered %d", id, e.getCode());
        } finally {
            scheduled.remove(id);
        }
    }

    /** A digest of the key fingerprints the Secret holds: changes exactly when a key in it changes. */
    static String digest(Secret secret) {
        Map<String, String> fingerprints = new TreeMap<>();
        if (secret.getMetadata().getAnnotations() != null) {
            secret.getMetadata().getAnnotations().forEach((k, v) -> {
                if (k.startsWith(KubernetesSecretTarget.FINGERPRINT_PREFIX)) {
                    fingerprints.put(k, v);
                }
            });
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest(fingerprints.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
