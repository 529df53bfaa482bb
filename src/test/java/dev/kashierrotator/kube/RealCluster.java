package dev.kashierrotator.kube;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kashierrotator.rotation.Fingerprints;
import dev.kashierrotator.testing.Cluster;
import dev.kashierrotator.testing.KubeControlPlane;
import dev.kashierrotator.testing.ServiceProcess;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The packaged service on a real Kubernetes API server (etcd, kube-apiserver with RBAC, the controllers and
 * the scheduler; kwok as the node), signed in with a token of the chart's own ServiceAccount, installed by
 * Helm with the chart's Role: kubernetes-secret dependents whose Deployments, StatefulSets and DaemonSets
 * really roll out; a rollout that never completes; and the chart's RBAC, enough and no more.
 *
 * <p>Run by {@link ControlPlaneIT}, one after another with the other tests on the control plane.
 */
class RealCluster {

    private static final String NS = "billing";
    private static final String RELEASE_NS = "kkr-system";
    private static final String KEY = "k8s-pay";
    private static final String STUCK_KEY = "k8s-stuck";
    private static final String RESTART_KEY = "k8s-restart";

    private static KubeControlPlane kube;
    private static KubernetesClient admin;
    private static Cluster cluster;
    private static ServiceProcess service;
    private static String saToken;

    @BeforeAll
    static void cluster() throws Exception {
        assumeTrue(
                KubeControlPlane.available(),
                "no Kubernetes binaries: scripts/install-kube.sh said why (Go is needed to build them)");
        kube = KubeControlPlane.get();
        admin = kube.admin();
        for (String ns : List.of(NS, RELEASE_NS)) {
            admin.namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName(ns)
                            .endMetadata()
                            .build())
                    .serverSideApply();
        }
        admin.secrets()
                .inNamespace(NS)
                .resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("kashier-keys")
                        .endMetadata()
                        .addToStringData("other-team", "left alone")
                        .build())
                .create();
        admin.secrets()
                .inNamespace(NS)
                .resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("someone-elses")
                        .endMetadata()
                        .addToStringData("password", "not for the rotator")
                        .build())
                .create();
        ServiceCalls.deployment(admin, NS, "billing-api", 2, false);
        admin.apps()
                .statefulSets()
                .inNamespace(NS)
                .resource(new StatefulSetBuilder()
                        .withNewMetadata()
                        .withName("billing-ledger")
                        .endMetadata()
                        .withNewSpec()
                        .withReplicas(2)
                        .withServiceName("billing-ledger")
                        .withNewSelector()
                        .addToMatchLabels("app", "billing-ledger")
                        .endSelector()
                        .withTemplate(template("billing-ledger", false))
                        .endSpec()
                        .build())
                .create();
        admin.apps()
                .daemonSets()
                .inNamespace(NS)
                .resource(new DaemonSetBuilder()
                        .withNewMetadata()
                        .withName("billing-agent")
                        .endMetadata()
                        .withNewSpec()
                        .withNewSelector()
                        .addToMatchLabels("app", "billing-agent")
                        .endSelector()
                        .withTemplate(template("billing-agent", false))
                        .endSpec()
                        .build())
                .create();
        ServiceCalls.deployment(admin, NS, "billing-stuck", 1, false);
        ServiceCalls.deployment(admin, NS, "billing-web", 2, false);
        awaitPods("billing-api", 2);
        awaitPods("billing-ledger", 2);
        awaitPods("billing-agent", 1);
        awaitPods("billing-stuck", 1);
        awaitPods("billing-web", 2);

        // The chart, as a cluster team installs it: its ServiceAccount and the Role for these dependents.
        Path values = ServiceCalls.chartValues("""
                rotator:
                  dependents:
                    billing:
                      keys: [k8s-pay]
                      wave: 0
                      type: kubernetes-secret
                      namespace: billing
                      secret: kashier-keys
                      restart: [deployment/billing-api, statefulset/billing-ledger, daemonset/billing-agent]
                    web:
                      keys: [k8s-restart]
                      wave: 0
                      type: kubernetes-secret
                      namespace: billing
                      secret: kashier-web
                      restart: [deployment/billing-web]
                    stuck:
                      keys: [k8s-stuck]
                      wave: 0
                      type: kubernetes-secret
                      namespace: billing
                      secret: kashier-stuck
                      restart: [billing-stuck]
                rbac:
                  createSecrets: true
                """);
        kube.helm(
                "install",
                "kkr",
                Path.of("helm", "kashier-key-rotator").toString(),
                "--namespace",
                RELEASE_NS,
                "--values",
                values.toString(),
                "--wait",
                "--timeout",
                "3m");
        saToken = kube.tokenFor(RELEASE_NS, "kkr-kashier-key-rotator");

        cluster = new Cluster("it-kube");
        cluster.paymentKey(KEY, "MID-7000-014", "1s")
                .paymentKey(STUCK_KEY, "MID-7000-014", "1s")
                .paymentKey(RESTART_KEY, "MID-7000-014", "1s")
                .kubernetesSecret(
                        "billing",
                        KEY,
                        NS,
                        "kashier-keys",
                        "deployment/billing-api,statefulset/billing-ledger,daemonset/billing-agent")
                .kubernetesSecret("stuck", STUCK_KEY, NS, "kashier-stuck", "billing-stuck")
                .kubernetesSecret("web", RESTART_KEY, NS, "kashier-web", "deployment/billing-web")
                .set("rotator.rollout.verify-timeout", "120s")
                .set("rotator.keys." + STUCK_KEY + ".rollout.verify-timeout", "20s")
                .kubernetesApi(kube.server(), kube.caFile(), saToken);
        service = cluster.replica("kube-replica");
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (admin != null) {
            admin.close();
        }
    }

    private static PodTemplateSpec template(String app, boolean neverReady) {
        return ServiceCalls.podTemplate(app, neverReady);
    }

    /**
     * Whether the workload's pods are, all of them, made from its current template (by its restart
     * annotation) and Ready: what a finished rollout leaves, judged from the pods, not the workload's status.
     */
    private static boolean podsRolledOut(String app, int desired, String keysAnnotation) {
        List<Pod> pods = admin.pods().inNamespace(NS).withLabel("app", app).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .toList();
        return pods.size() == desired
                && pods.stream()
                        .allMatch(p -> java.util.Objects.equals(
                                        keysAnnotation,
                                        p.getMetadata().getAnnotations() == null
                                                ? null
                                                : p.getMetadata()
                                                        .getAnnotations()
                                                        .get("kashier-rotator.dev/keys"))
                                && p.getStatus().getConditions().stream()
                                        .anyMatch(c -> c.getType().equals("Ready")
                                                && c.getStatus().equals("True")));
    }

    private static void awaitPods(String app, int desired) {
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions()
                .until(() -> podsRolledOut(app, desired, null));
    }

    private static String rotate(String key, String reason) {
        return service.rotate(Cluster.TOKEN, key, reason);
    }

    private static Response awaitState(String id, String state, int seconds) {
        Response ended = service.awaitEnd(Cluster.TOKEN, id, seconds);
        assertEquals(state, ended.path("state"), ended.asPrettyString());
        return ended;
    }

    @Test
    void aRotationWaitsForEachRealRolloutThenExpiresTheOldKey() {
        Response done = awaitState(rotate(KEY, "real rollouts"), "COMPLETED", 180);
        String fingerprint = done.path("newFingerprint");
        Secret secret = admin.secrets().inNamespace(NS).withName("kashier-keys").get();
        assertEquals(fingerprint, secret.getMetadata().getAnnotations().get("kashier-rotator.dev/fingerprint." + KEY));
        String key = new String(Base64.getDecoder().decode(secret.getData().get(KEY)), StandardCharsets.UTF_8);
        assertEquals(fingerprint, Fingerprints.of(key));
        assertEquals(
                "left alone",
                new String(Base64.getDecoder().decode(secret.getData().get("other-team")), StandardCharsets.UTF_8),
                "the rest of the Secret is kept");
        // By the time the old key expired, every pod of the three workloads was a new one, and Ready.
        String restartedFor = admin.apps()
                .deployments()
                .inNamespace(NS)
                .withName("billing-api")
                .get()
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations()
                .get("kashier-rotator.dev/keys");
        assertTrue(restartedFor != null, "billing-api was restarted");
        assertTrue(podsRolledOut("billing-api", 2, restartedFor), "billing-api's pods");
        assertTrue(podsRolledOut("billing-ledger", 2, restartedFor), "billing-ledger's pods");
        assertTrue(podsRolledOut("billing-agent", 1, restartedFor), "billing-agent's pods");
    }

    @Test
    void theApiServerGoingAwayMidRolloutDelaysTheRotationWithoutBreakingIt() {
        // A Deployment only: a StatefulSet's pod, recreated under the same name across the restart, can be
        // left unscheduled by the scheduler's cache (its own log says so), which is the cluster's trouble.
        String id = rotate(RESTART_KEY, "the API server restarts");
        // The Secret holds the new key and the restart is asked for: the rollout is under way.
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> "VERIFYING".equals(rotation(id).path("waves[0].dependents[0].state")));
        kube.stopApiServer();
        try {
            // While it is down nothing is decided: the dependent is not confirmed, and not failed either.
            await().during(Duration.ofSeconds(5))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> "VERIFYING".equals(rotation(id).path("waves[0].dependents[0].state")));
        } finally {
            kube.startApiServer();
        }
        Response done = awaitState(id, "COMPLETED", 180);
        String restartedFor = admin.apps()
                .deployments()
                .inNamespace(NS)
                .withName("billing-web")
                .get()
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations()
                .get("kashier-rotator.dev/keys");
        assertTrue(podsRolledOut("billing-web", 2, restartedFor), "billing-web's pods are the new ones");
        assertEquals(
                done.path("newFingerprint"),
                admin.secrets()
                        .inNamespace(NS)
                        .withName("kashier-web")
                        .get()
                        .getMetadata()
                        .getAnnotations()
                        .get("kashier-rotator.dev/fingerprint." + RESTART_KEY));
    }

    /** The pod-template annotation the service sets to restart a Deployment. */
    private static String restartAnnotation(String deployment) {
        Map<String, String> a = admin.apps()
                .deployments()
                .inNamespace(NS)
                .withName(deployment)
                .get()
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations();
        return a == null ? null : a.get("kashier-rotator.dev/keys");
    }

    private static Response rotation(String id) {
        return service.rotation(Cluster.TOKEN, id);
    }

    @Test
    void aRolloutThatNeverCompletesFailsTheDependentWithinVerifyTimeoutAndRollsBack() {
        // From now on its pods run but never pass their readiness probe.
        admin.apps()
                .deployments()
                .inNamespace(NS)
                .withName("billing-stuck")
                .edit(d -> new DeploymentBuilder(d)
                        .editSpec()
                        .editTemplate()
                        .editMetadata()
                        .addToLabels(KubeControlPlane.NEVER_READY, "true")
                        .endMetadata()
                        .endTemplate()
                        .endSpec()
                        .build());
        String oldFingerprint = given().baseUri(service.url())
                .header("Authorization", "Bearer " + Cluster.TOKEN)
                .get("/api/v1/keys/{key}", STUCK_KEY)
                .path("fingerprint");
        long started = System.nanoTime();
        String id = rotate(STUCK_KEY, "a rollout that hangs");
        // The new key's restart, asked for while the dependent waits on the rollout.
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> "VERIFYING".equals(rotation(id).path("waves[0].dependents[0].state")));
        // The restart comes once the debounce (2 s) has gathered the keys rotated together.
        String newKeysRestart = await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> restartAnnotation("billing-stuck"), a -> a != null);
        Secret during =
                admin.secrets().inNamespace(NS).withName("kashier-stuck").get();
        assertEquals(
                rotation(id).path("newFingerprint"),
                during.getMetadata().getAnnotations().get("kashier-rotator.dev/fingerprint." + STUCK_KEY),
                "the new key is in the Secret while its rollout runs");
        assertEquals(
                oldFingerprint,
                Fingerprints.of(new String(
                        Base64.getDecoder().decode(during.getData().get(STUCK_KEY + ".previous")),
                        StandardCharsets.UTF_8)),
                "with the previous key beside it for the grace");
        Response ended = awaitState(id, "ROLLED_BACK", 180);
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        Secret restored =
                admin.secrets().inNamespace(NS).withName("kashier-stuck").get();
        assertEquals(
                oldFingerprint,
                Fingerprints.of(new String(
                        Base64.getDecoder().decode(restored.getData().get(STUCK_KEY)), StandardCharsets.UTF_8)),
                "the Secret holds the old key again");
        assertEquals(
                oldFingerprint,
                restored.getMetadata().getAnnotations().get("kashier-rotator.dev/fingerprint." + STUCK_KEY));
        String rollbackRestart = restartAnnotation("billing-stuck");
        assertTrue(
                newKeysRestart != null && rollbackRestart != null && !rollbackRestart.equals(newKeysRestart),
                "restarted for the new key, then again for the old one: " + newKeysRestart + " / " + rollbackRestart);
        assertTrue(seconds < 120, "ended within the verify-timeout and the rollback's: " + seconds + " s");
        String error = ended.path("waves[0].dependents[0].error");
        assertTrue(error != null && error.contains("20s"), "the dependent failed at the verify-timeout: " + error);
        assertTrue(
                error.contains("deployment/billing-stuck rollout not complete (1 of 1 updated, "),
                "and says where the rollout stands, as kubectl would: " + error);
    }

    @Test
    void theChartsRoleIsEnoughForTheServiceAndNothingMore() {
        try (KubernetesClient sa = kube.client(saToken)) {
            // What the code calls: read and write its Secret, read and restart its workloads.
            sa.secrets().inNamespace(NS).withName("kashier-keys").get();
            sa.apps().deployments().inNamespace(NS).withName("billing-api").get();
            sa.apps().statefulSets().inNamespace(NS).withName("billing-ledger").get();
            sa.apps().daemonSets().inNamespace(NS).withName("billing-agent").get();
            // Nothing else.
            List<Executable> refused = List.of(
                    () -> sa.secrets().inNamespace(NS).list(),
                    () -> sa.secrets().inNamespace(NS).withName("someone-elses").get(),
                    () -> sa.secrets().inNamespace(RELEASE_NS).list(),
                    () -> sa.apps().deployments().inNamespace(NS).list(),
                    () -> sa.apps()
                            .deployments()
                            .inNamespace(NS)
                            .withName("billing-api")
                            .delete(),
                    () -> sa.pods().inNamespace(NS).list(),
                    () -> sa.namespaces().list(),
                    () -> sa.apps()
                            .deployments()
                            .inNamespace("default")
                            .withName("billing-api")
                            .get());
            for (Executable call : refused) {
                KubernetesClientException e =
                        org.junit.jupiter.api.Assertions.assertThrows(KubernetesClientException.class, call);
                assertEquals(403, e.getCode(), e.getMessage());
            }
        }
        assertFalse(saToken.isBlank());
    }
}
