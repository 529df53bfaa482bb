package dev.kashierrotator.rollout;

import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.inventory.Workload;
import dev.kashierrotator.util.Threads;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
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
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Restarts workloads (Deployments, StatefulSets, DaemonSets) after their Secret changed, once per burst:
 * requests for one workload within {@code rotator.kubernetes.restart-debounce} share a single restart, whose
 * pod-template annotation is a digest of the key fingerprints in the Secret at that moment. A workload
 * already restarted for the Secret's current content is not restarted again (a repeated step costs no
 * second rollout). Its rollout counts as complete as {@code kubectl rollout status} judges it.
 */
@ApplicationScoped
public class RestartCoordinator {

    /** Pod-template annotation whose change makes Kubernetes roll the workload. */
    static final String RESTART_ANNOTATION = "kashier-rotator.dev/keys";

    private final KubernetesClient kubernetes;
    private final Duration debounce;
    private final ScheduledExecutorService timer;
    /** Workloads with a restart scheduled, by namespace/kind/name. */
    private final Map<String, String> scheduled = new ConcurrentHashMap<>();
    /** Generation each workload must reach for the restart this replica made, by namespace/kind/name. */
    private final Map<String, Long> awaited = new ConcurrentHashMap<>();

    public RestartCoordinator(KubernetesClient kubernetes, RotatorConfig config, Threads threads) {
        this.kubernetes = kubernetes;
        this.timer = threads.scheduler("workload-restarts", 1);
        this.debounce = config.kubernetes().restartDebounce();
    }

    /** Asks for a restart of the workload because its Secret changed. */
    public void request(String namespace, Workload workload, String secret) {
        String id = namespace + "/" + workload;
        if (scheduled.putIfAbsent(id, secret) == null) {
            timer.schedule(() -> restart(namespace, workload, secret), debounce.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Why the workload does not yet run pods made from the Secret's current content, in kubectl's words;
     * empty once it does. A workload not restarted for this content with nothing scheduled (a resumed
     * rotation, a failed patch) is asked to restart again.
     */
    public Optional<String> notRolledOut(String namespace, Workload workload, Secret secret) {
        String id = namespace + "/" + workload;
        if (scheduled.containsKey(id)) {
            return Optional.of(workload + " restart scheduled");
        }
        HasMetadata w = resource(namespace, workload).get();
        if (w == null) {
            return Optional.of(workload + " not found in namespace " + namespace);
        }
        if (!digest(secret).equals(restartedFor(w))) {
            request(namespace, workload, secret.getMetadata().getName());
            return Optional.of(workload + " not restarted for the Secret's content yet");
        }
        if (complete(w, awaited.getOrDefault(id, 0L))) {
            return Optional.empty();
        }
        return Optional.of(workload + " rollout not complete (" + counts(w) + ")");
    }

    /** The counts kubectl rollout status reports. */
    private static String counts(HasMetadata w) {
        if (w instanceof Deployment d && d.getStatus() != null) {
            return Objects.requireNonNullElse(d.getStatus().getUpdatedReplicas(), 0) + " of "
                    + Objects.requireNonNullElse(d.getSpec().getReplicas(), 1) + " updated, "
                    + Objects.requireNonNullElse(d.getStatus().getReadyReplicas(), 0) + " ready, "
                    + Objects.requireNonNullElse(d.getStatus().getReplicas(), 0) + " pods in all";
        }
        if (w instanceof StatefulSet s && s.getStatus() != null) {
            return Objects.requireNonNullElse(s.getStatus().getUpdatedReplicas(), 0) + " of "
                    + Objects.requireNonNullElse(s.getSpec().getReplicas(), 1) + " updated, "
                    + Objects.requireNonNullElse(s.getStatus().getReadyReplicas(), 0) + " ready";
        }
        if (w instanceof DaemonSet ds && ds.getStatus() != null) {
            return Objects.requireNonNullElse(ds.getStatus().getUpdatedNumberScheduled(), 0) + " of "
                    + Objects.requireNonNullElse(ds.getStatus().getDesiredNumberScheduled(), 0) + " updated, "
                    + Objects.requireNonNullElse(ds.getStatus().getNumberReady(), 0) + " ready";
        }
        return "no status yet";
    }

    private void restart(String namespace, Workload workload, String secretName) {
        String id = namespace + "/" + workload;
        try {
            Secret secret = kubernetes
                    .secrets()
                    .inNamespace(namespace)
                    .withName(secretName)
                    .get();
            HasMetadata w = resource(namespace, workload).get();
            if (secret == null || w == null) {
                Log.warnf(
                        "restart of %s skipped: %s",
                        id, w == null ? "no such " + workload.kind().word() : "no secret");
                return;
            }
            String value = digest(secret);
            if (value.equals(restartedFor(w))) {
                return;
            }
            long before = Objects.requireNonNullElse(w.getMetadata().getGeneration(), 0L);
            // JSON merge patch: what Kubernetes' own "rollout restart" changes, and what the mock server takes.
            String patch = "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"" + RESTART_ANNOTATION + "\":\""
                    + value + "\"}}}}}";
            resource(namespace, workload).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
            awaited.put(id, before + 1);
            Log.infof("restarted %s for secret %s", id, secretName);
        } catch (KubernetesClientException e) {
            Log.warnf("restart of %s failed: Kubernetes answered %d", id, e.getCode());
        } finally {
            scheduled.remove(id);
        }
    }

    private Resource<? extends HasMetadata> resource(String namespace, Workload workload) {
        return switch (workload.kind()) {
            case DEPLOYMENT ->
                kubernetes.apps().deployments().inNamespace(namespace).withName(workload.name());
            case STATEFULSET ->
                kubernetes.apps().statefulSets().inNamespace(namespace).withName(workload.name());
            case DAEMONSET ->
                kubernetes.apps().daemonSets().inNamespace(namespace).withName(workload.name());
        };
    }

    /** The Secret digest the workload's pod template carries, if any. */
    private static String restartedFor(HasMetadata w) {
        PodTemplateSpec template = w instanceof Deployment d
                ? d.getSpec().getTemplate()
                : w instanceof StatefulSet s
                        ? s.getSpec().getTemplate()
                        : ((DaemonSet) w).getSpec().getTemplate();
        if (template == null
                || template.getMetadata() == null
                || template.getMetadata().getAnnotations() == null) {
            return null;
        }
        return template.getMetadata().getAnnotations().get(RESTART_ANNOTATION);
    }

    /**
     * Whether the workload finished rolling out the pod template it was last given, as {@code kubectl rollout
     * status} decides: the controller saw the change, and every pod is updated and ready (and, for a
     * StatefulSet, the current revision is the updated one).
     */
    static boolean complete(HasMetadata w, long atLeastGeneration) {
        if (w == null || w.getMetadata() == null) {
            return false;
        }
        long generation = Math.max(Objects.requireNonNullElse(w.getMetadata().getGeneration(), 0L), atLeastGeneration);
        if (w instanceof Deployment d) {
            return d.getStatus() != null
                    && d.getSpec() != null
                    && observed(d.getStatus().getObservedGeneration(), generation)
                    && allOf(
                            Objects.requireNonNullElse(d.getSpec().getReplicas(), 1),
                            // Pods of all ReplicaSets: more than desired means old ones still run (a surge).
                            d.getStatus().getReplicas(),
                            d.getStatus().getUpdatedReplicas(),
                            d.getStatus().getReadyReplicas(),
                            d.getStatus().getAvailableReplicas());
        }
        if (w instanceof StatefulSet s) {
            return s.getStatus() != null
                    && s.getSpec() != null
                    && observed(s.getStatus().getObservedGeneration(), generation)
                    && allOf(
                            Objects.requireNonNullElse(s.getSpec().getReplicas(), 1),
                            s.getStatus().getUpdatedReplicas(),
                            s.getStatus().getReadyReplicas(),
                            s.getStatus().getAvailableReplicas())
                    && Objects.equals(
                            s.getStatus().getUpdateRevision(), s.getStatus().getCurrentRevision());
        }
        if (w instanceof DaemonSet ds) {
            return ds.getStatus() != null
                    && observed(ds.getStatus().getObservedGeneration(), generation)
                    && allOf(
                            Objects.requireNonNullElse(ds.getStatus().getDesiredNumberScheduled(), 0),
                            ds.getStatus().getUpdatedNumberScheduled(),
                            ds.getStatus().getNumberReady(),
                            ds.getStatus().getNumberAvailable());
        }
        return false;
    }

    private static boolean observed(Long observedGeneration, long generation) {
        return Objects.requireNonNullElse(observedGeneration, 0L) >= generation;
    }

    /** Whether every count equals the desired one (an absent count is zero). */
    private static boolean allOf(int desired, Integer... counts) {
        for (Integer c : counts) {
            if (Objects.requireNonNullElse(c, 0) != desired) {
                return false;
            }
        }
        return true;
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
