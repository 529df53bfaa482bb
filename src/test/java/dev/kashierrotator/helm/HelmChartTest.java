package dev.kashierrotator.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.testing.ConfigMappings;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.source.yaml.YamlConfigSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The chart, linted and rendered by the real Helm library (helm-java). */
public class HelmChartTest {

    private static final Path CHART = Path.of("helm", "kashier-key-rotator");
    private static final Path EXAMPLE = Path.of("helm", "examples", "values-example.yaml");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void lintsCleanInStrictMode() {
        LintResult result = new Helm(CHART).lint().strict().call();
        assertFalse(result.isFailed(), String.join("\n", result.getMessages()));
    }

    @Test
    void defaultsRenderTwoLockedDownReplicasWithProbesTlsAndNoClusterAccess() throws IOException {
        List<JsonNode> docs = render(new Helm(CHART).template().withName("kkr").call());
        JsonNode deployment = kind(docs, "Deployment");
        assertEquals(2, deployment.at("/spec/replicas").asInt(), "two replicas: the Vault lock makes it safe");
        JsonNode pod = deployment.at("/spec/template/spec");
        JsonNode container = pod.at("/containers/0");
        assertEquals(
                "/q/health/live", container.at("/livenessProbe/httpGet/path").asText());
        assertEquals(
                "/q/health/ready", container.at("/readinessProbe/httpGet/path").asText());
        assertEquals(
                "/q/health/started", container.at("/startupProbe/httpGet/path").asText());
        assertEquals(
                "management",
                container.at("/readinessProbe/httpGet/port").asText(),
                "probes on the management interface");
        assertEquals(
                "[{\"name\":\"https\",\"containerPort\":8443,\"protocol\":\"TCP\"},"
                        + "{\"name\":\"management\",\"containerPort\":9000,\"protocol\":\"TCP\"}]",
                container.path("ports").toString(),
                "no plain-http port for the API");
        assertEquals(
                "1m", env(container, "ROTATOR_TLS_RELOAD_PERIOD").path("value").asText());
        assertEquals("kashier-key-rotator:0.1.0", container.path("image").asText());

        assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean());
        assertEquals(
                "RuntimeDefault", pod.at("/securityContext/seccompProfile/type").asText());
        assertTrue(container.at("/securityContext/readOnlyRootFilesystem").asBoolean());
        assertFalse(container.at("/securityContext/allowPrivilegeEscalation").asBoolean(true));
        assertEquals(
                "[\"ALL\"]", container.at("/securityContext/capabilities/drop").toString());

        // Spread over nodes and zones, softly: one node or zone lost leaves a replica to resume rotations.
        JsonNode spread = pod.path("topologySpreadConstraints");
        assertEquals(2, spread.size(), spread.toString());
        assertEquals("kubernetes.io/hostname", spread.at("/0/topologyKey").asText());
        assertEquals("topology.kubernetes.io/zone", spread.at("/1/topologyKey").asText());
        assertEquals("ScheduleAnyway", spread.at("/0/whenUnsatisfiable").asText());
        assertEquals(
                deployment.at("/spec/selector/matchLabels"),
                spread.at("/0/labelSelector/matchLabels"),
                "counts this release's pods only");

        assertEquals(
                "kubernetes",
                env(container, "ROTATOR_VAULT_AUTH_METHOD").path("value").asText());
        assertEquals(
                "/var/run/secrets/vault/token",
                env(container, "ROTATOR_VAULT_AUTH_JWT_FILE").path("value").asText());
        assertEquals(
                "vault",
                volume(pod, "vault-token")
                        .at("/projected/sources/0/serviceAccountToken/audience")
                        .asText());
        assertEquals(
                "kashier-key-rotator-tls",
                volume(pod, "tls").at("/secret/secretName").asText());
        assertEquals(
                "/etc/kashier-key-rotator/tls/tls.crt",
                env(container, "ROTATOR_TLS_CERT_FILE").path("value").asText());
        assertTrue(env(container, "VAULT_TOKEN").isMissingNode(), "no static Vault token with Kubernetes auth");
        assertTrue(env(container, "ROTATOR_BOOTSTRAP_TOKEN").isMissingNode(), "no bootstrap token unless asked for");

        assertEquals("kkr-kashier-key-rotator", pod.path("serviceAccountName").asText());
        assertFalse(
                kind(docs, "ServiceAccount")
                        .path("automountServiceAccountToken")
                        .asBoolean(true),
                "no Kubernetes API token without kubernetes-secret dependents");
        assertTrue(
                docs.stream().noneMatch(d -> d.path("kind").asText().matches("Role|RoleBinding|ClusterRole.*")),
                "no RBAC when the inventory writes no Kubernetes Secret");
        assertEquals(
                1, kind(docs, "PodDisruptionBudget").at("/spec/minAvailable").asInt());
        assertEquals(
                "[\"Ingress\",\"Egress\"]",
                kind(docs, "NetworkPolicy").at("/spec/policyTypes").toString());
        assertFalse(
                pod.path("automountServiceAccountToken").asBoolean(true),
                "not mounted by the pod either (serviceAccount.create=false would use the default account)");
        JsonNode ingress = kind(docs, "NetworkPolicy").at("/spec/ingress");
        assertEquals(
                "[{\"port\":8443,\"protocol\":\"TCP\"}]", ingress.at("/0/ports").toString());
        assertEquals(
                "[{\"podSelector\":{}}]",
                ingress.at("/0/from").toString(),
                "by default only pods of the release's own namespace reach the API");
        assertEquals(
                "[{\"port\":9000,\"protocol\":\"TCP\"}]", ingress.at("/1/ports").toString());
        assertTrue(ingress.at("/1/from").isMissingNode(), "probes and Prometheus reach the management port");
        assertEquals(2, ingress.size(), "no other port is open: " + ingress);
        assertEquals(8443, kind(docs, "Service").at("/spec/ports/0/port").asInt());
        assertEquals(
                "management", kind(docs, "Service").at("/spec/ports/1/name").asText());
        assertEquals(9000, kind(docs, "Service").at("/spec/ports/1/port").asInt());
        assertTrue(kind(docs, "ConfigMap").at("/data/application.yaml").asText().contains("dashboard: manual"));
        assertTrue(docs.stream().noneMatch(d -> d.path("kind").asText().matches("ServiceMonitor|PrometheusRule")));
    }

    @Test
    void rbacFollowsTheInventoryNamespaceByNamespace() throws IOException {
        List<JsonNode> docs = render(new Helm(CHART)
                .template()
                .withName("kkr")
                .withNamespace("payments")
                .withValuesFile(EXAMPLE)
                .set("metrics.apiCheck", "false")
                .call());
        List<JsonNode> roles = docs.stream()
                .filter(d -> "Role".equals(d.path("kind").asText()))
                .toList();
        assertEquals(1, roles.size(), "one Role, in the one namespace a kubernetes-secret dependent names");
        JsonNode role = roles.get(0);
        assertEquals("billing", role.at("/metadata/namespace").asText());
        assertEquals("[\"kashier-keys\"]", role.at("/rules/0/resourceNames").toString());
        assertEquals("[\"get\",\"update\",\"patch\"]", role.at("/rules/0/verbs").toString());
        assertEquals("apps", role.at("/rules/1/apiGroups/0").asText());
        assertEquals(
                "[\"billing-api\",\"billing-worker\"]",
                role.at("/rules/1/resourceNames").toString());
        assertEquals("[\"get\",\"patch\"]", role.at("/rules/1/verbs").toString());
        assertEquals("[\"deployments\"]", role.at("/rules/1/resources").toString());
        assertEquals("[\"statefulsets\"]", role.at("/rules/2/resources").toString(), "statefulset/billing-ledger");
        assertEquals("[\"billing-ledger\"]", role.at("/rules/2/resourceNames").toString());
        assertTrue(role.at("/rules/3").isMissingNode(), "no DaemonSet named, no rule for DaemonSets");
        JsonNode binding = kind(docs, "RoleBinding");
        assertEquals("billing", binding.at("/metadata/namespace").asText());
        assertEquals("payments", binding.at("/subjects/0/namespace").asText());
        assertTrue(docs.stream().noneMatch(d -> d.path("kind").asText().startsWith("Cluster")), "nothing cluster-wide");
        assertTrue(kind(docs, "ServiceAccount")
                .path("automountServiceAccountToken")
                .asBoolean());

        List<JsonNode> withCreate = render(new Helm(CHART)
                .template()
                .withName("kkr")
                .withValuesFile(EXAMPLE)
                .set("metrics.apiCheck", "false")
                .set("rbac.createSecrets", "true")
                .call());
        assertEquals("create", kind(withCreate, "Role").at("/rules/1/verbs/0").asText());

        Exception cronJob = assertThrows(
                Exception.class,
                () -> new Helm(CHART)
                        .template()
                        .withName("kkr")
                        .withValuesFile(EXAMPLE)
                        .set("metrics.apiCheck", "false")
                        .set("metrics.apiCheck", "false")
                        .set("rotator.dependents.billing.restart[2]", "cronjob/nightly")
                        .call());
        assertTrue(
                cronJob.getMessage()
                        .contains("rotator.dependents.billing.restart: 'cronjob/nightly' names no workload kubectl "
                                + "would restart"),
                cronJob.getMessage());
    }

    @Test
    void everyRenderedObjectIsAValidKubernetesObject() throws IOException {
        List<String> problems = new ArrayList<>();
        for (String manifest : List.of(
                new Helm(CHART).template().withName("kkr").call(),
                new Helm(CHART)
                        .template()
                        .withName("kkr")
                        .withValuesFile(EXAMPLE)
                        .set("metrics.apiCheck", "false")
                        .set("metrics.apiCheck", "false")
                        .set("rbac.createSecrets", "true")
                        .call(),
                new Helm(CHART)
                        .template()
                        .withName("kkr")
                        .set("vault.auth.method", "approle")
                        .set("vault.auth.mount", "approle")
                        .set("vault.auth.approle.roleId", "r-1")
                        .set("vault.auth.approle.secretIdSecret.name", "rotator-approle")
                        .call(),
                new Helm(CHART)
                        .template()
                        .withName("kkr")
                        .set("vault.auth.method", "token")
                        .set("vault.auth.tokenSecret.name", "rotator-vault-token")
                        .set("replicaCount", "1")
                        .call())) {
            for (JsonNode doc : render(manifest)) {
                HasMetadata object = Serialization.unmarshal(YAML.writeValueAsString(doc), HasMetadata.class);
                String what = doc.path("kind").asText() + " "
                        + doc.at("/metadata/name").asText();
                boolean custom = doc.path("apiVersion").asText().startsWith("monitoring.coreos.com/");
                if (!custom && object instanceof GenericKubernetesResource) {
                    problems.add(what + ": not a known Kubernetes kind");
                }
                if (!custom) {
                    unknownFields(object, what, problems);
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));

        // The check itself: a misspelt field in a value is caught.
        List<String> typo = new ArrayList<>();
        for (JsonNode doc : render(new Helm(CHART)
                .template()
                .withName("kkr")
                .set("securityContext.readOnlyRootFileSystem", "true")
                .call())) {
            if (!doc.path("apiVersion").asText().startsWith("monitoring.coreos.com/")) {
                unknownFields(
                        Serialization.unmarshal(YAML.writeValueAsString(doc), HasMetadata.class),
                        doc.path("kind").asText(),
                        typo);
            }
        }
        assertEquals(List.of("Deployment: unknown field(s) [readOnlyRootFileSystem] in SecurityContext"), typo);
    }

    @Test
    void everyAlertReadsAMetricTheServiceExports() throws IOException {
        List<JsonNode> docs = render(new Helm(CHART)
                .template()
                .withName("kkr")
                .withValuesFile(EXAMPLE)
                .set("metrics.apiCheck", "false")
                .call());
        JsonNode rules = kind(docs, "PrometheusRule").at("/spec/groups/0/rules");
        List<String> alerts = new ArrayList<>();
        rules.forEach(r -> alerts.add(r.path("alert").asText()));
        assertEquals(
                List.of(
                        "KashierRotationFailed",
                        "KashierKeyOverdue",
                        "KashierDashboardStepWaiting",
                        "KashierRotatorVaultUnreachable",
                        "KashierRotatorNoScheduler",
                        "KashierRotatorVaultTokenExpiring",
                        "KashierRotationStalled",
                        "KashierAuditEventsDropped",
                        "KashierApiDeniedFlood",
                        "KashierRotationRetryingWithOldKeyDead",
                        "KashierNotificationsDropped",
                        "KashierNotificationsBacklog"),
                alerts);
        // The metric names: HealthAndMetricsTest checks the running service exports each of them.
        java.util.Set<String> metrics = new java.util.TreeSet<>();
        rules.forEach(r -> java.util.regex.Pattern.compile("rotator_[a-z_]+")
                .matcher(r.path("expr").asText())
                .results()
                .forEach(m -> metrics.add(m.group())));
        assertEquals(ALERT_METRICS, metrics);
        assertEquals(
                "/q/metrics",
                kind(docs, "ServiceMonitor").at("/spec/endpoints/0/path").asText());
    }

    @Test
    void monitoringObjectsOnAClusterWithoutTheirApiFailNamingWhatToInstall() {
        for (String kind : List.of("PrometheusRule", "ServiceMonitor")) {
            String value =
                    kind.equals("PrometheusRule") ? "metrics.prometheusRule.enabled" : "metrics.serviceMonitor.enabled";
            Exception e = assertThrows(
                    Exception.class,
                    () -> new Helm(CHART)
                            .template()
                            .withName("kkr")
                            .set(value, "true")
                            .set("metrics.runbookBaseUrl", "https://wiki.example.com/runbooks")
                            .call());
            assertTrue(
                    e.getMessage()
                            .contains(value + " is true, but this cluster has no " + kind
                                    + " (monitoring.coreos.com/v1): install the Prometheus Operator's CRDs"),
                    e.getMessage());
        }
    }

    @Test
    void everyAlertLinksItsRunbookSectionWhichExists() throws IOException {
        String base = "https://git.example.com/platform/kashier-key-rotator/-/blob/main/docs/runbooks.md";
        JsonNode rules = kind(
                        render(new Helm(CHART)
                                .template()
                                .withName("kkr")
                                .withValuesFile(EXAMPLE)
                                .set("metrics.apiCheck", "false")
                                .call()),
                        "PrometheusRule")
                .at("/spec/groups/0/rules");
        // GitHub's (and GitLab's) anchors of the runbook's headings: lower case, spaces to hyphens.
        java.util.Set<String> anchors = new java.util.HashSet<>();
        for (String line : java.nio.file.Files.readAllLines(Path.of("docs", "runbooks.md"))) {
            if (line.startsWith("## ")) {
                anchors.add(line.substring(3)
                        .trim()
                        .toLowerCase(java.util.Locale.ROOT)
                        .replace(' ', '-'));
            }
        }
        assertEquals(12, rules.size());
        for (JsonNode rule : rules) {
            String alert = rule.path("alert").asText();
            String url = rule.at("/annotations/runbook_url").asText();
            assertEquals(base + "#" + alert.toLowerCase(java.util.Locale.ROOT), url, alert);
            assertTrue(
                    anchors.contains(alert.toLowerCase(java.util.Locale.ROOT)), "docs/runbooks.md has no ## " + alert);
        }
        Exception none = assertThrows(
                Exception.class,
                () -> new Helm(CHART)
                        .template()
                        .withName("kkr")
                        .set("metrics.prometheusRule.enabled", "true")
                        .set("metrics.apiCheck", "false")
                        .call());
        assertTrue(
                none.getMessage().contains("metrics.runbookBaseUrl: the URL of docs/runbooks.md"), none.getMessage());
    }

    @Test
    void theApiIsWidenedAndTheManagementPortNarrowedOnlyOnPurpose() throws IOException {
        JsonNode ingress = kind(
                        render(new Helm(CHART)
                                .template()
                                .withName("kkr")
                                .set("networkPolicy.apiClients[0].namespaceSelector.matchLabels.team", "ops")
                                .set(
                                        "networkPolicy.managementClients[0].namespaceSelector.matchLabels.name",
                                        "monitoring")
                                .call()),
                        "NetworkPolicy")
                .at("/spec/ingress");
        assertEquals(
                "[{\"podSelector\":{}},{\"namespaceSelector\":{\"matchLabels\":{\"team\":\"ops\"}}}]",
                ingress.at("/0/from").toString());
        assertEquals(
                "[{\"namespaceSelector\":{\"matchLabels\":{\"name\":\"monitoring\"}}}]",
                ingress.at("/1/from").toString());
    }

    @Test
    void theChartReadmeDocumentsEveryValue() throws IOException {
        JsonNode values = YAML.readTree(CHART.resolve("values.yaml").toFile());
        List<String> paths = new ArrayList<>();
        valuePaths("", values, paths);
        String readme = java.nio.file.Files.readString(CHART.resolve("README.md"));
        List<String> missing =
                paths.stream().filter(p -> !readme.contains("| `" + p + "` |")).toList();
        assertEquals(List.of(), missing, "values without a row in helm/kashier-key-rotator/README.md");
        assertTrue(paths.size() > 50, paths.toString());
    }

    /**
     * The documented paths of values.yaml: every leaf, and a map given whole (the inventory under
     * {@code rotator}, labels, annotations) as one entry.
     */
    private static void valuePaths(String prefix, JsonNode node, List<String> paths) {
        boolean whole = node.isObject()
                && (node.isEmpty()
                        || prefix.equals("rotator")
                        || prefix.endsWith("labels")
                        || prefix.endsWith("annotations")
                        || prefix.endsWith("Annotations")
                        || prefix.equals("resources")
                        || prefix.endsWith("SecurityContext")
                        || prefix.equals("securityContext"));
        if (node.isObject() && !whole) {
            node.fields()
                    .forEachRemaining(e ->
                            valuePaths(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), paths));
        } else {
            paths.add(prefix);
        }
    }

    /** Every metric the alerts read. */
    public static final java.util.Set<String> ALERT_METRICS = new java.util.TreeSet<>(List.of(
            "rotator_audit_denied_calls_total",
            "rotator_audit_events_dropped_total",
            "rotator_keys_overdue",
            "rotator_notifications_dropped_total",
            "rotator_notifications_queued",
            "rotator_rotations_retrying_unbounded",
            "rotator_rotations_awaiting_dashboard_overdue",
            "rotator_rotations_stalled_resumed_total",
            "rotator_rotations_total",
            "rotator_scheduler_last_tick_timestamp_seconds",
            "rotator_vault_token_ttl_seconds",
            "rotator_vault_up"));

    /** Fields the Kubernetes model does not know (a typo such as {@code readOnlyRootFileSystem}) land here. */
    private static void unknownFields(Object node, String where, List<String> problems) {
        if (node instanceof KubernetesResource r) {
            try {
                java.lang.reflect.Method extra = r.getClass().getMethod("getAdditionalProperties");
                Object map = extra.invoke(r);
                if (map instanceof Map<?, ?> m && !m.isEmpty()) {
                    problems.add(where + ": unknown field(s) " + m.keySet() + " in "
                            + r.getClass().getSimpleName());
                }
                for (java.lang.reflect.Method getter : r.getClass().getMethods()) {
                    if (getter.getName().startsWith("get")
                            && getter.getParameterCount() == 0
                            && !getter.getName().equals("getAdditionalProperties")
                            && getter.getDeclaringClass().getName().startsWith("io.fabric8")) {
                        Object child = getter.invoke(r);
                        if (child instanceof KubernetesResource) {
                            unknownFields(child, where, problems);
                        } else if (child instanceof List<?> list) {
                            list.forEach(item -> unknownFields(item, where, problems));
                        }
                    }
                }
            } catch (ReflectiveOperationException e) {
                problems.add(where + ": " + e);
            }
        }
    }

    private static JsonNode volume(JsonNode pod, String name) {
        for (JsonNode v : pod.path("volumes")) {
            if (name.equals(v.path("name").asText())) {
                return v;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    @Test
    void exampleValuesRenderAnInventoryTheServiceAccepts() throws IOException {
        List<JsonNode> docs = render(new Helm(CHART)
                .template()
                .withName("kkr")
                .withValuesFile(EXAMPLE)
                .set("metrics.apiCheck", "false")
                .call());
        String applicationYaml =
                kind(docs, "ConfigMap").at("/data/application.yaml").asText();

        Inventory inventory = ConfigMappings.checked(
                false,
                new YamlConfigSource("configmap", applicationYaml),
                new PropertiesConfigSource(
                        Map.of(
                                "CHECKOUT_HOOK_SECRET",
                                "from-the-pod-env",
                                // The pod's Vault address and token come from its environment too.
                                "rotator.vault.address",
                                "https://vault.example.com:8200",
                                "rotator.vault.token",
                                "from-the-pod-env"),
                        "pod env",
                        50));
        assertEquals(3, inventory.keys().size());
        assertEquals(
                List.of("checkout-api", "reports"),
                inventory.dependentsOf("main-live-payment").stream()
                        .map(d -> d.id())
                        .toList());
        assertEquals(
                List.of("billing", "checkout-api"),
                inventory.dependentsOf("main-live-secret").stream()
                        .map(d -> d.id())
                        .sorted()
                        .toList());

        JsonNode container = kind(docs, "Deployment").at("/spec/template/spec/containers/0");
        assertEquals(
                "registry.example.com/platform/kashier-key-rotator:0.1.0",
                container.path("image").asText());
        assertEquals(
                "kashier-rotator-bootstrap",
                env(container, "ROTATOR_BOOTSTRAP_TOKEN")
                        .at("/valueFrom/secretKeyRef/name")
                        .asText());
        assertEquals(
                "checkout-hook",
                env(container, "CHECKOUT_HOOK_SECRET")
                        .at("/valueFrom/secretKeyRef/name")
                        .asText());
    }

    @Test
    void changingTheInventoryRollsThePods() throws IOException {
        String before = kind(render(new Helm(CHART).template().withName("kkr").call()), "Deployment")
                .at("/spec/template/metadata/annotations/checksum~1config")
                .asText();
        String after = kind(
                        render(new Helm(CHART)
                                .template()
                                .withName("kkr")
                                .set("rotator.rollout.soak", "45s")
                                .call()),
                        "Deployment")
                .at("/spec/template/metadata/annotations/checksum~1config")
                .asText();
        assertFalse(before.isEmpty());
        assertFalse(before.equals(after), "a new inventory changes the pod template");
    }

    /**
     * Every secret-bearing setting, found where the configuration is defined (marked {@code @Secret} in
     * RotatorConfig and InventoryConfig), is refused by the chart as a literal and accepted as a {@code ${NAME}} reference; a
     * setting whose name says it holds a secret must be marked, or listed here as not being one.
     */
    @Test
    void everySecretBearingSettingIsRefusedAsALiteralAndTheTestFindsThemAll() {
        List<SecretSetting> secrets = new ArrayList<>();
        List<String> unmarked = new ArrayList<>();
        walk(dev.kashierrotator.config.RotatorConfig.class, "rotator", secrets, unmarked, new java.util.HashSet<>());
        walk(
                dev.kashierrotator.inventory.InventoryConfig.class,
                "rotator",
                secrets,
                unmarked,
                new java.util.HashSet<>());
        // Declared beside the mapping, read by DependentSettings (not a mapped part of InventoryConfig).
        walk(
                dev.kashierrotator.inventory.InventoryConfig.Dependent.class,
                dev.kashierrotator.inventory.DependentSettings.PREFIX + "*",
                secrets,
                unmarked,
                new java.util.HashSet<>());
        assertEquals(List.of(), unmarked, "named like a secret but not marked @Secret (or listed as NOT_SECRETS)");
        assertEquals(
                List.of(
                        "rotator.audit.hmac-key",
                        "rotator.bootstrap-token",
                        "rotator.dependents.*.signing-secret",
                        "rotator.notifications.*.routing-key",
                        "rotator.notifications.*.signing-secret",
                        "rotator.notifications.*.url",
                        "rotator.vault.auth.secret-id",
                        "rotator.vault.token"),
                secrets.stream().map(SecretSetting::path).sorted().toList(),
                "the edges review's M5 four among them");
        for (SecretSetting s : secrets) {
            String at = s.path().replace("*", "x");
            Exception e = assertThrows(
                    Exception.class,
                    () -> withType(s, new Helm(CHART).template().withName("kkr").set(at, "LITERAL-SECRET-VALUE"))
                            .call(),
                    at + " as a literal");
            assertTrue(
                    e.getMessage().contains(at + ": a literal secret would be written into a ConfigMap"),
                    e.getMessage());
            String manifest = withType(
                            s, new Helm(CHART).template().withName("kkr").set(at, "${SOME_SECRET}"))
                    .call();
            assertFalse(manifest.contains("LITERAL-SECRET-VALUE"));
            assertTrue(manifest.contains("${SOME_SECRET}"), at + ": a reference to a variable is fine");
        }
    }

    /** Names that look like secrets and are not: where a secret is, not the secret. */
    private static final java.util.Set<String> NOT_SECRETS = java.util.Set.of(
            "rotator.vault.auth.secret-id-file",
            "rotator.dependents.*.secret-name",
            "rotator.dependents.*.secret",
            "rotator.console.oidc.token-endpoint",
            "rotator.security.tokens",
            "rotator.security.tokens.*.sha256",
            "rotator.vault.key-prefix",
            "rotator.keys");

    private record SecretSetting(String path, String whenType) {}

    /** What the chart's schema requires beside the entry: a dependent's keys and type, a channel's type. */
    private static com.marcnuri.helm.TemplateCommand withType(SecretSetting s, com.marcnuri.helm.TemplateCommand t) {
        String group = s.path().replace("*", "x").replaceAll("\\.[^.]+$", "");
        if (group.startsWith("rotator.dependents.")) {
            return t.set(group + ".keys[0]", "k").set(group + ".type", "webhook");
        }
        if (group.startsWith("rotator.notifications.")) {
            String type =
                    !s.whenType().isEmpty() ? s.whenType() : s.path().endsWith("routing-key") ? "pagerduty" : "webhook";
            return t.set(group + ".type", type);
        }
        return t;
    }

    private static void walk(
            Class<?> group,
            String prefix,
            List<SecretSetting> secrets,
            List<String> unmarked,
            java.util.Set<String> seen) {
        if (!seen.add(prefix) || prefix.length() > 200) {
            return;
        }
        for (java.lang.reflect.Method m : group.getMethods()) {
            if (m.getParameterCount() != 0 || m.isDefault() || java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            io.smallrye.config.WithName named = m.getAnnotation(io.smallrye.config.WithName.class);
            String name = named != null
                    ? named.value()
                    : m.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
            String path = prefix + "." + name;
            dev.kashierrotator.config.Secret secret = m.getAnnotation(dev.kashierrotator.config.Secret.class);
            if (secret != null) {
                secrets.add(new SecretSetting(path, secret.whenType()));
            } else if (name.matches(".*(secret|token|password|hmac|routing|private|credential).*")
                    && !NOT_SECRETS.contains(path)) {
                unmarked.add(path);
            }
            java.lang.reflect.Type t = m.getGenericReturnType();
            if (t instanceof java.lang.reflect.ParameterizedType p) {
                java.lang.reflect.Type[] args = p.getActualTypeArguments();
                java.lang.reflect.Type inner = args[args.length - 1];
                if (p.getRawType() == Map.class && inner instanceof Class<?> c && c.isInterface()) {
                    walk(c, path + ".*", secrets, unmarked, seen);
                } else if (inner instanceof Class<?> c && isGroup(c)) {
                    walk(c, path, secrets, unmarked, seen);
                }
            } else if (t instanceof Class<?> c && isGroup(c)) {
                walk(c, path, secrets, unmarked, seen);
            }
        }
    }

    private static boolean isGroup(Class<?> c) {
        return c.isInterface() && c.getName().startsWith("dev.kashierrotator.config.");
    }

    @Test
    void noLiteralSecretLandsInTheConfigMap() throws IOException {
        Exception e = assertThrows(
                Exception.class,
                () -> new Helm(CHART)
                        .template()
                        .withName("kkr")
                        .set("rotator.dependents.x.keys[0]", "k")
                        .set("rotator.dependents.x.type", "webhook")
                        .set("rotator.dependents.x.signing-secret", "hunter2")
                        .call());
        assertTrue(
                e.getMessage()
                        .contains("rotator.dependents.x.signing-secret: a literal secret would be written "
                                + "into a ConfigMap"),
                e.getMessage());
        assertThrows(
                Exception.class,
                () -> new Helm(CHART)
                        .template()
                        .withName("kkr")
                        .set("rotator.vault.token", "s.literal")
                        .call());
        assertThrows(
                Exception.class,
                () -> new Helm(CHART)
                        .template()
                        .withName("kkr")
                        .set("rotator.bootstrap-token", "literal")
                        .call());
        assertTrue(
                render(new Helm(CHART)
                                        .template()
                                        .withName("kkr")
                                        .set("rotator.dependents.x.keys[0]", "k")
                                        .set("rotator.dependents.x.type", "webhook")
                                        .set("rotator.dependents.x.signing-secret", "${X_SECRET}")
                                        .call())
                                .size()
                        > 0,
                "a reference to an environment variable is fine");
    }

    @Test
    void schemaRejectsWrongValues() {
        Exception e = assertThrows(
                Exception.class,
                () -> new Helm(CHART)
                        .template()
                        .withName("kkr")
                        .set("service.port", "eighty")
                        .call());
        assertTrue(e.getMessage().contains("service") || e.getMessage().contains("port"), e.getMessage());
        assertThrows(
                Exception.class,
                () -> new Helm(CHART)
                        .template()
                        .withName("kkr")
                        .set("vault.address", "vault:8200")
                        .call());
        Exception method = assertThrows(
                Exception.class,
                () -> new Helm(CHART)
                        .template()
                        .withName("kkr")
                        .set("vault.auth.method", "ldap")
                        .call());
        assertTrue(method.getMessage().contains("method"), method.getMessage());
        assertThrows(
                Exception.class,
                () -> new Helm(CHART)
                        .template()
                        .withName("kkr")
                        .set("replicaCount", "two")
                        .call());
        assertThrows(
                Exception.class,
                () -> new Helm(CHART)
                        .template()
                        .withName("kkr")
                        .set("rotator.dependents.x.keys[0]", "k")
                        .set("rotator.dependents.x.type", "ftp")
                        .call());
        Exception approle = assertThrows(
                Exception.class,
                () -> new Helm(CHART)
                        .template()
                        .withName("kkr")
                        .set("vault.auth.method", "approle")
                        .call());
        assertTrue(approle.getMessage().contains("vault.auth.approle.roleId is required"), approle.getMessage());
    }

    @Test
    void theRenderedExampleInTheRepositoryIsCurrent() throws IOException {
        String manifest = new Helm(CHART)
                .template()
                .withName("kkr")
                .withNamespace("payments")
                .withValuesFile(EXAMPLE)
                .set("metrics.apiCheck", "false")
                .call();
        Path stored = Path.of("helm", "examples", "rendered-example.yaml");
        if (Boolean.getBoolean("helm.updateRendered")) {
            java.nio.file.Files.writeString(stored, manifest);
        }
        assertEquals(
                java.nio.file.Files.readString(stored),
                manifest,
                "helm/examples/rendered-example.yaml is stale: ./mvnw test -Dtest=HelmChartTest -Dhelm.updateRendered=true");
    }

    private static List<JsonNode> render(String manifest) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(manifest)) {
            for (JsonNode doc : YAML.readValues(parser, JsonNode.class).readAll()) {
                if (doc != null && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    private static JsonNode kind(List<JsonNode> docs, String kind) {
        return docs.stream()
                .filter(d -> kind.equals(d.path("kind").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " rendered"));
    }

    private static JsonNode env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (name.equals(e.path("name").asText())) {
                return e;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
}
