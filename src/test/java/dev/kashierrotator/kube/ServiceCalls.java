package dev.kashierrotator.kube;

import dev.kashierrotator.testing.KubeControlPlane;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the tests on a real cluster do with the service and the chart, in one place. */
final class ServiceCalls {

    private ServiceCalls() {}

    /** Creates a Deployment of {@code replicas} pods labelled {@code app: name}; never ready on kwok when asked. */
    static void deployment(KubernetesClient admin, String namespace, String name, int replicas, boolean neverReady) {
        admin.apps()
                .deployments()
                .inNamespace(namespace)
                .resource(new DeploymentBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .withNewSpec()
                        .withReplicas(replicas)
                        .withNewSelector()
                        .addToMatchLabels("app", name)
                        .endSelector()
                        .withTemplate(podTemplate(name, neverReady))
                        .endSpec()
                        .build())
                .create();
    }

    /** A pod template of one container labelled {@code app}; never ready on kwok when asked. */
    static PodTemplateSpec podTemplate(String app, boolean neverReady) {
        PodTemplateSpecBuilder b = new PodTemplateSpecBuilder()
                .withNewMetadata()
                .addToLabels("app", app)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage("registry.example.com/" + app + ":1")
                .endContainer()
                .endSpec();
        if (neverReady) {
            b.editMetadata().addToLabels(KubeControlPlane.NEVER_READY, "true").endMetadata();
        }
        return b.build();
    }

    /**
     * A values file for a test release: the given YAML after what every test release shares (a Vault address
     * nothing dials, as kwok runs no containers; no Prometheus Operator on the cluster).
     */
    static Path chartValues(String yaml) throws IOException {
        Path values = Files.createTempFile("kkr-values", ".yaml");
        Files.writeString(values, """
                vault:
                  address: http://vault.vault.svc:8200
                metrics:
                  serviceMonitor: {enabled: false}
                  prometheusRule: {enabled: false}
                """ + yaml);
        return values;
    }
}
