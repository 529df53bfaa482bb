package dev.kashierrotator.kube;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kashierrotator.testing.KubeControlPlane;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The chart's life on a real API server, by the Helm a cluster team runs: install (waiting for the replicas
 * to be ready), {@code helm test}, upgrade, rollback and uninstall, with the Role it makes in a dependent's
 * namespace created and removed with the release.
 *
 * <p>Run by {@link ControlPlaneIT}, one after another with the other tests on the control plane.
 */
class HelmRelease {

    private static final String NS = "kkr-life";
    private static final String APPS = "billing-life";
    private static final String RELEASE = "life";
    private static final String NAME = "life-kashier-key-rotator";

    @Test
    void installTestUpgradeRollbackAndUninstall() throws Exception {
        assumeTrue(
                KubeControlPlane.available(),
                "no Kubernetes binaries: scripts/install-kube.sh said why (Go is needed to build them)");
        KubeControlPlane kube = KubeControlPlane.get();
        try (KubernetesClient admin = kube.admin()) {
            admin.namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName(APPS)
                            .endMetadata()
                            .build())
                    .serverSideApply();
            Path values = ServiceCalls.chartValues("""
                    rotator:
                      dependents:
                        billing:
                          keys: [life-pay]
                          wave: 0
                          type: kubernetes-secret
                          namespace: billing-life
                          secret: kashier-keys
                          restart: [deployment/billing-api]
                    """);
            String chart = Path.of("helm", "kashier-key-rotator").toString();

            kube.helm(
                    "install",
                    RELEASE,
                    chart,
                    "-n",
                    NS,
                    "--create-namespace",
                    "-f",
                    values.toString(),
                    "--wait",
                    "--timeout",
                    "3m");
            assertEquals(2, readyReplicas(admin), "installed and ready");
            assertNotNull(admin.rbac().roles().inNamespace(APPS).withName(NAME).get(), "the Role in billing-life");

            String test = kube.helm("test", RELEASE, "-n", NS, "--timeout", "2m");
            assertTrue(test.contains("TEST SUITE:     " + NAME + "-test-ready"), test);
            assertTrue(test.contains("Phase:          Succeeded"), test);

            kube.helm(
                    "upgrade",
                    RELEASE,
                    chart,
                    "-n",
                    NS,
                    "-f",
                    values.toString(),
                    "--set",
                    "replicaCount=3",
                    "--wait",
                    "--timeout",
                    "3m");
            assertEquals(3, readyReplicas(admin), "upgraded to three replicas");

            kube.helm("rollback", RELEASE, "1", "-n", NS, "--wait", "--timeout", "3m");
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> admin.apps()
                                    .deployments()
                                    .inNamespace(NS)
                                    .withName(NAME)
                                    .get()
                                    .getSpec()
                                    .getReplicas()
                            == 2);
            String history = kube.helm("history", RELEASE, "-n", NS);
            assertEquals(
                    List.of("install", "upgrade", "rollback"),
                    history.lines()
                            .skip(1)
                            .map(l -> l.contains("Rollback to 1")
                                    ? "rollback"
                                    : l.contains("Upgrade complete") ? "upgrade" : "install")
                            .toList(),
                    history);

            kube.helm("uninstall", RELEASE, "-n", NS, "--wait", "--timeout", "2m");
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> admin.apps()
                                    .deployments()
                                    .inNamespace(NS)
                                    .withName(NAME)
                                    .get()
                            == null);
            assertNull(admin.rbac().roles().inNamespace(APPS).withName(NAME).get(), "the Role went with it");
            assertNull(admin.serviceAccounts().inNamespace(NS).withName(NAME).get());
            assertNotEquals(0, kube.helmResult("status", RELEASE, "-n", NS).exit(), "no such release any more");
        }
    }

    @Test
    void alertsInstallWhereThePrometheusOperatorsApiIsAndFailClearlyWhereItIsNot() throws Exception {
        assumeTrue(
                KubeControlPlane.available(),
                "no Kubernetes binaries: scripts/install-kube.sh said why (Go is needed to build them)");
        KubeControlPlane kube = KubeControlPlane.get();
        String chart = Path.of("helm", "kashier-key-rotator").toString();
        String[] alerts = {
            "--set", "metrics.prometheusRule.enabled=true",
            "--set", "metrics.serviceMonitor.enabled=true",
            "--set", "metrics.runbookBaseUrl=https://git.example.com/kkr/docs/runbooks.md",
            "--set", "replicaCount=1"
        };
        try (KubernetesClient admin = kube.admin()) {
            // No Prometheus Operator on this cluster: the install stops before creating anything, saying so.
            KubeControlPlane.Result refused = kube.helmResult(
                    concat(new String[] {"install", "alerts", chart, "-n", "alerts", "--create-namespace"}, alerts));
            assertNotEquals(0, refused.exit(), refused.out());
            assertTrue(
                    refused.out()
                            .matches("(?s).*metrics\\.(serviceMonitor|prometheusRule)\\.enabled is true, but this "
                                    + "cluster has no (ServiceMonitor|PrometheusRule) \\(monitoring\\.coreos\\.com/v1\\): "
                                    + "install the Prometheus Operator's CRDs.*"),
                    refused.out());
            assertNotEquals(
                    0, kube.helmResult("status", "alerts", "-n", "alerts").exit(), "no release made");

            // The operator's CRDs installed: the same command makes the rule and the monitor.
            for (String[] crd :
                    new String[][] {{"prometheusrules", "PrometheusRule"}, {"servicemonitors", "ServiceMonitor"}}) {
                admin.apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .resource(minimalCrd(crd[0], crd[1]))
                        .serverSideApply();
            }
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> kube.helmResult(concat(
                                            new String[] {"template", "alerts", chart, "-n", "alerts", "--validate"},
                                            alerts))
                                    .exit()
                            == 0);
            kube.helm(concat(new String[] {"install", "alerts", chart, "-n", "alerts", "--create-namespace"}, alerts));
            GenericKubernetesResource rule = admin.genericKubernetesResources(
                            "monitoring.coreos.com/v1", "PrometheusRule")
                    .inNamespace("alerts")
                    .withName("alerts-kashier-key-rotator")
                    .get();
            assertNotNull(rule, "the PrometheusRule");
            String first = rule.get("spec", "groups", 0, "rules", 0, "annotations", "runbook_url");
            assertEquals("https://git.example.com/kkr/docs/runbooks.md#kashierrotationfailed", first);
            GenericKubernetesResource monitor = admin.genericKubernetesResources(
                            "monitoring.coreos.com/v1", "ServiceMonitor")
                    .inNamespace("alerts")
                    .withName("alerts-kashier-key-rotator")
                    .get();
            assertEquals("management", monitor.get("spec", "endpoints", 0, "port"));
            kube.helm("uninstall", "alerts", "-n", "alerts", "--wait", "--timeout", "2m");
        }
    }

    /** A CustomResourceDefinition of monitoring.coreos.com/v1 that accepts any spec: the API, not the operator. */
    private static io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition minimalCrd(
            String plural, String kind) {
        return new io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder()
                .withNewMetadata()
                .withName(plural + ".monitoring.coreos.com")
                .endMetadata()
                .withNewSpec()
                .withGroup("monitoring.coreos.com")
                .withScope("Namespaced")
                .withNewNames()
                .withPlural(plural)
                .withKind(kind)
                .endNames()
                .addNewVersion()
                .withName("v1")
                .withServed(true)
                .withStorage(true)
                .withNewSchema()
                .withNewOpenAPIV3Schema()
                .withType("object")
                .withXKubernetesPreserveUnknownFields(true)
                .endOpenAPIV3Schema()
                .endSchema()
                .endVersion()
                .endSpec()
                .build();
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static int readyReplicas(KubernetesClient admin) {
        Deployment d = admin.apps().deployments().inNamespace(NS).withName(NAME).get();
        Integer ready = d.getStatus().getReadyReplicas();
        return ready == null ? 0 : ready;
    }
}
