package dev.kashierrotator.rollout;

import static dev.kashierrotator.testing.Api.awaitRotation;
import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.rotation.Fingerprints;
import dev.kashierrotator.rotation.KeyStore;
import dev.kashierrotator.rotation.StoredKey;
import dev.kashierrotator.sim.DemoDependent;
import dev.kashierrotator.testing.Dependents;
import dev.kashierrotator.testing.RotatorTestResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * kubernetes-secret dependents against the fabric8 mock server (CRUD): the key lands in the Secret, the
 * Deployment is restarted by a pod-template annotation, and the rotation waits until the rollout
 * completes; the test plays the Deployment controller and advances the status.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(KubernetesSecretTest.WithKubernetes.class)
class KubernetesSecretTest {

    private static final String NS = "billing";

    @KubernetesTestServer
    KubernetesServer server;

    @Inject
    KeyStore keys;

    private KubernetesClient client;
    private final Set<String> restartsSeen = ConcurrentHashMap.newKeySet();
    private volatile boolean controlling;
    private volatile boolean holdRollouts;
    private Thread controller;

    @BeforeEach
    void deploymentAndController() {
        client = server.getClient();
        if (client.apps()
                        .deployments()
                        .inNamespace(NS)
                        .withName("billing-worker")
                        .get()
                == null) {
            client.apps()
                    .deployments()
                    .inNamespace(NS)
                    .resource(new DeploymentBuilder()
                            .withNewMetadata()
                            .withName("billing-worker")
                            .withNamespace(NS)
                            .withGeneration(1L)
                            .endMetadata()
                            .withNewSpec()
                            .withReplicas(2)
                            .withNewTemplate()
                            .withNewMetadata()
                            .endMetadata()
                            .endTemplate()
                            .endSpec()
                            .withNewStatus()
                            .withObservedGeneration(1L)
                            .withReplicas(2)
                            .withUpdatedReplicas(2)
                            .withReadyReplicas(2)
                            .withAvailableReplicas(2)
                            .endStatus()
                            .build())
                    .create();
        }
        controlling = true;
        controller = new Thread(this::playDeploymentController, "deployment-controller");
        controller.setDaemon(true);
        controller.start();
    }

    @AfterEach
    void stopController() throws InterruptedException {
        controlling = false;
        controller.join(2_000);
    }

    @Test
    void keyLandsInTheSecretAndTheRotationWaitsForTheRollout() {
        StoredKey old = keys.current("k8s-pay").orElseThrow();
        holdRollouts = true;
        String id = rotate("k8s-pay", "k8s");
        // Restarted, but the controller holds the rollout: the rotation must wait.
        await().atMost(Duration.ofSeconds(20)).until(() -> annotation() != null && restartsSeen.contains(annotation()));
        Response waiting =
                awaitRotation(id, 20, r -> "RUNNING".equals(r.path("steps.find { it.name == 'ROLLOUT' }.state")));
        assertNotEquals("CONFIRMED", waiting.path("waves[0].dependents[0].state"), "not done before the rollout is");
        assertEquals("RUNNING", waiting.path("state"));

        StoredKey fresh = keys.pending("k8s-pay", id).orElseThrow();
        Secret secret =
                client.secrets().inNamespace(NS).withName("kashier-keys").get();
        assertEquals(fresh.fingerprint(), Fingerprints.of(decode(secret, "k8s-pay")), "the new key is in the Secret");
        assertEquals(
                old.fingerprint(),
                Fingerprints.of(decode(secret, "k8s-pay.previous")),
                "with the previous key during grace");

        holdRollouts = false;
        awaitState(id, "COMPLETED", 30);
        assertEquals(fresh.fingerprint(), keys.current("k8s-pay").orElseThrow().fingerprint());
    }

    @Test
    void twoKeysRotatedTogetherCauseOneRestart() {
        String before = annotation();
        String a = rotate("k8s-pay", "together");
        String b = rotate("k8s-pay-2", "together");
        awaitState(a, "COMPLETED", 30);
        awaitState(b, "COMPLETED", 30);
        assertNotEquals(before, annotation());
        Set<String> restarts = new java.util.HashSet<>(restartsSeen);
        restarts.remove(before);
        assertEquals(1, restarts.size(), "one restart for both keys: " + restarts);
    }

    @Test
    void rollbackRestoresTheSecretAndRestartsAgain() {
        StoredKey old = keys.current("k8s-roll").orElseThrow();
        DemoDependent later = Dependents.get("k8s-later").failWith(500);
        try {
            String before = annotation();
            String id = rotate("k8s-roll", "will roll back");
            awaitState(id, "ROLLED_BACK", 30);
            if (before != null) {
                restartsSeen.remove(before);
            }
            Secret secret =
                    client.secrets().inNamespace(NS).withName("kashier-keys").get();
            assertEquals(old.fingerprint(), Fingerprints.of(decode(secret, "k8s-roll")), "the old key is back");
            assertTrue(restartsSeen.size() >= 2, "restarted for the new key, then again for the old one");
            assertEquals(RestartCoordinator.digest(secret), annotation(), "pods run the restored Secret");
        } finally {
            later.failWith(0);
        }
    }

    private String annotation() {
        Deployment d = client.apps()
                .deployments()
                .inNamespace(NS)
                .withName("billing-worker")
                .get();
        Map<String, String> a = d.getSpec().getTemplate().getMetadata().getAnnotations();
        return a == null ? null : a.get(RestartCoordinator.RESTART_ANNOTATION);
    }

    private static String decode(Secret s, String key) {
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
    }

    /** Like the Deployment controller: a new pod template is rolled out (unless held) and the status says so. */
    private void playDeploymentController() {
        while (controlling) {
            try {
                Deployment d = client.apps()
                        .deployments()
                        .inNamespace(NS)
                        .withName("billing-worker")
                        .get();
                String value = d.getSpec().getTemplate().getMetadata().getAnnotations() == null
                        ? null
                        : d.getSpec()
                                .getTemplate()
                                .getMetadata()
                                .getAnnotations()
                                .get(RestartCoordinator.RESTART_ANNOTATION);
                if (value != null && restartsSeen.add(value)
                        || !holdRollouts
                                && value != null
                                && d.getStatus().getObservedGeneration()
                                        <= d.getMetadata().getGeneration()) {
                    if (!holdRollouts) {
                        long next = Math.max(
                                        d.getMetadata().getGeneration(),
                                        d.getStatus().getObservedGeneration())
                                + 1;
                        d.getMetadata().setGeneration(next);
                        d.getStatus().setObservedGeneration(next);
                        client.apps().deployments().inNamespace(NS).resource(d).update();
                    }
                }
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // a concurrent patch: look again
            }
        }
    }

    /** The test world plus the Kubernetes keys and dependents. */
    public static class WithKubernetes implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KubernetesWorld.class));
        }
    }

    /** {@link RotatorTestResource} with {@link RotatorTestResource#kubernetes}. */
    public static class KubernetesWorld extends RotatorTestResource {
        @Override
        public Map<String, String> start() {
            Map<String, String> c = new HashMap<>(super.start());
            kubernetes(c);
            return c;
        }
    }
}
