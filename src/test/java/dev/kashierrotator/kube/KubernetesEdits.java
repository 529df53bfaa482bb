package dev.kashierrotator.kube;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kashierrotator.testing.ApiServerProxy;
import dev.kashierrotator.testing.Cluster;
import dev.kashierrotator.testing.KubeControlPlane;
import dev.kashierrotator.testing.ServiceProcess;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Others change what the service works on, on a real API server: the Secret written by someone else between
 * the service's read and its write (a real 409 Conflict on its resourceVersion), a Deployment deleted before
 * a rotation, a Secret deleted mid-rollout. The service reaches the API server through {@link ApiServerProxy},
 * which only forwards, and once writes the Secret in between.
 *
 * <p>Run by {@link ControlPlaneIT}, one after another with the other tests on the control plane.
 */
class KubernetesEdits {

    private static final String NS = "edits";
    private static final String RELEASE_NS = "kkr-edits";

    private static KubeControlPlane kube;
    private static KubernetesClient admin;
    private static ApiServerProxy proxy;
    private static Cluster cluster;
    private static ServiceProcess service;

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
                        .withName("kashier-conflict")
                        .endMetadata()
                        .addToStringData("owner", "payments")
                        .build())
                .create();
        deployment("edits-api", false);
        deployment("edits-gone", false);
        deployment("edits-slow", true);

        Path values = ServiceCalls.chartValues("""
                rbac:
                  createSecrets: true
                rotator:
                  dependents:
                    conflict: {keys: [edit-conflict], wave: 0, type: kubernetes-secret, namespace: edits,
                               secret: kashier-conflict, restart: [edits-api]}
                    gone: {keys: [edit-gone], wave: 0, type: kubernetes-secret, namespace: edits,
                           secret: kashier-gone, restart: [edits-gone]}
                    vanish: {keys: [edit-vanish], wave: 0, type: kubernetes-secret, namespace: edits,
                             secret: kashier-vanish, restart: [edits-slow]}
                """);
        kube.helm(
                "install",
                "edits",
                Path.of("helm", "kashier-key-rotator").toString(),
                "-n",
                RELEASE_NS,
                "-f",
                values.toString());
        String token = kube.tokenFor(RELEASE_NS, "edits-kashier-key-rotator");
        proxy = ApiServerProxy.start(kube);

        cluster = new Cluster("it-kube-edits");
        cluster.paymentKey("edit-conflict", "MID-7000-015", "1s")
                .paymentKey("edit-gone", "MID-7000-015", "1s")
                .paymentKey("edit-vanish", "MID-7000-015", "1s")
                .kubernetesSecret("conflict", "edit-conflict", NS, "kashier-conflict", "edits-api")
                .kubernetesSecret("gone", "edit-gone", NS, "kashier-gone", "edits-gone")
                .kubernetesSecret("vanish", "edit-vanish", NS, "kashier-vanish", "edits-slow")
                .set("rotator.rollout.verify-timeout", "120s")
                .set("rotator.keys.edit-gone.rollout.verify-timeout", "15s")
                .set("rotator.keys.edit-vanish.rollout.verify-timeout", "15s")
                .kubernetesApi(proxy.url(), proxy.caFile(), token);
        service = cluster.replica("kube-edits-replica");
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (admin != null) {
            admin.close();
        }
    }

    private static void deployment(String name, boolean neverReady) {
        ServiceCalls.deployment(admin, NS, name, 1, neverReady);
    }

    private static String rotate(String key) {
        return service.rotate(Cluster.TOKEN, key, "edited by others");
    }

    private static Response rotation(String id) {
        return service.rotation(Cluster.TOKEN, id);
    }

    private static Response awaitEnd(String id) {
        return service.awaitEnd(Cluster.TOKEN, id, 150);
    }

    private static String data(Secret s, String key) {
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
    }

    @Test
    void aSecretWrittenBySomeoneElseBetweenReadAndWriteIsReadAgainNotOverwritten() throws Exception {
        proxy.once(
                r -> r.method().equals("PUT") && r.path().equals("/api/v1/namespaces/edits/secrets/kashier-conflict"),
                () -> admin.secrets()
                        .inNamespace(NS)
                        .withName("kashier-conflict")
                        .edit(s -> new SecretBuilder(s)
                                .addToData("ledger", Base64.getEncoder().encodeToString("written meanwhile".getBytes()))
                                .build()));
        Response done = awaitEnd(rotate("edit-conflict"));
        assertEquals("COMPLETED", done.path("state"), done.asPrettyString());
        assertTrue(proxy.fired(), "the other write happened between the service's read and its write");
        Secret s = admin.secrets().inNamespace(NS).withName("kashier-conflict").get();
        assertEquals("written meanwhile", data(s, "ledger"), "the other writer's change is kept");
        assertEquals("payments", data(s, "owner"));
        assertEquals(
                done.path("newFingerprint"),
                s.getMetadata().getAnnotations().get("kashier-rotator.dev/fingerprint.edit-conflict"));
        int attempts = done.path("waves[0].dependents[0].attempts");
        assertTrue(attempts >= 2, "the first write was refused, the second taken: " + attempts);
        String log = Files.readString(Path.of("target", "it-kube-edits-replica.log"));
        assertTrue(log.contains("Secret edits/kashier-conflict: Kubernetes answered 409"), "a real conflict");
    }

    @Test
    void aDeletedDeploymentFailsTheDependentNamingIt() {
        admin.apps().deployments().inNamespace(NS).withName("edits-gone").delete();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> admin.apps()
                                .deployments()
                                .inNamespace(NS)
                                .withName("edits-gone")
                                .get()
                        == null);
        Response ended = awaitEnd(rotate("edit-gone"));
        assertEquals("ROLLED_BACK", ended.path("state"), ended.asPrettyString());
        String error = ended.path("waves[0].dependents[0].error");
        assertTrue(
                error != null && error.contains("deployment/edits-gone not found in namespace edits"),
                "names what is missing: " + error);
    }

    @Test
    void aSecretDeletedMidRolloutIsNamedAndTheRollbackPutsTheOldKeyBack() {
        String id = rotate("edit-vanish");
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> "VERIFYING".equals(rotation(id).path("waves[0].dependents[0].state")));
        admin.secrets().inNamespace(NS).withName("kashier-vanish").delete();
        Response ended = awaitEnd(id);
        assertEquals("ROLLED_BACK", ended.path("state"), ended.asPrettyString());
        // The rotation's error says why its rollout failed; the dependent's, why the rollback could not finish
        // (the workload's pods never get ready here).
        String error = ended.path("error");
        assertTrue(
                error != null && error.contains("Secret edits/kashier-vanish does not exist"),
                "names what is missing: " + error);
        Secret back = admin.secrets().inNamespace(NS).withName("kashier-vanish").get();
        assertEquals(
                ended.path("oldFingerprint"),
                back.getMetadata().getAnnotations().get("kashier-rotator.dev/fingerprint.edit-vanish"),
                "the rollback wrote the old key, still valid, into a new Secret");
    }
}
