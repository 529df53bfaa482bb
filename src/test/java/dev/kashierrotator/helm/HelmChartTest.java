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
import dev.kashierrotator.inventory.InventoryLoader;
import dev.kashierrotator.testing.ConfigMappings;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.source.yaml.YamlConfigSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The chart, linted and rendered by the real Helm library (helm-java). */
class HelmChartTest {

    private static final Path CHART = Path.of("helm", "kashier-key-rotator");
    private static final Path EXAMPLE = Path.of("helm", "examples", "values-example.yaml");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void lintsCleanInStrictMode() {
        LintResult result = new Helm(CHART).lint().strict().call();
        assertFalse(result.isFailed(), String.join("\n", result.getMessages()));
    }

    @Test
    void defaultsRenderDeploymentWithHealthProbesServiceAndConfigMap() throws IOException {
        List<JsonNode> docs = render(new Helm(CHART).template().withName("kkr").call());
        JsonNode deployment = kind(docs, "Deployment");
        JsonNode container = deployment.at("/spec/template/spec/containers/0");
        assertEquals("/q/health/live", container.at("/livenessProbe/httpGet/path").asText());
        assertEquals("/q/health/ready", container.at("/readinessProbe/httpGet/path").asText());
        assertEquals("/q/health/started", container.at("/startupProbe/httpGet/path").asText());
        assertEquals("kashier-key-rotator:0.1.0", container.path("image").asText());
        assertEquals("VAULT_TOKEN", env(container, "VAULT_TOKEN").path("name").asText());
        assertEquals("kashier-rotator-vault", env(container, "VAULT_TOKEN").at("/valueFrom/secretKeyRef/name").asText());
        assertTrue(env(container, "ROTATOR_BOOTSTRAP_TOKEN").isMissingNode(), "no bootstrap token unless asked for");
        assertEquals(8080, kind(docs, "Service").at("/spec/ports/0/port").asInt());
        assertTrue(kind(docs, "ConfigMap").at("/data/application.yaml").asText().contains("dashboard: manual"));
    }

    @Test
    void exampleValuesRenderAnInventoryTheServiceAccepts() throws IOException {
        List<JsonNode> docs = render(new Helm(CHART).template().withName("kkr").withValuesFile(EXAMPLE).call());
        String applicationYaml = kind(docs, "ConfigMap").at("/data/application.yaml").asText();

        Inventory inventory = InventoryLoader.load(ConfigMappings.rotator(
                new YamlConfigSource("configmap", applicationYaml),
                new PropertiesConfigSource(Map.of("CHECKOUT_HOOK_SECRET", "from-the-pod-env"), "pod env", 50)));
        assertEquals(3, inventory.keys().size());
        assertEquals(List.of("checkout-api", "reports"),
                inventory.dependentsOf("main-live-payment").stream().map(d -> d.id()).toList());

        JsonNode container = kind(docs, "Deployment").at("/spec/template/spec/containers/0");
        assertEquals("registry.example.com/platform/kashier-key-rotator:0.1.0", container.path("image").asText());
        assertEquals("kashier-rotator-bootstrap",
                env(container, "ROTATOR_BOOTSTRAP_TOKEN").at("/valueFrom/secretKeyRef/name").asText());
        assertEquals("checkout-hook", env(container, "CHECKOUT_HOOK_SECRET").at("/valueFrom/secretKeyRef/name").asText());
    }

    @Test
    void changingTheInventoryRollsThePods() throws IOException {
        String before = kind(render(new Helm(CHART).template().withName("kkr").call()), "Deployment")
                .at("/spec/template/metadata/annotations/checksum~1config").asText();
        String after = kind(render(new Helm(CHART).template().withName("kkr")
                .set("rotator.rollout.soak", "45s").call()), "Deployment")
                .at("/spec/template/metadata/annotations/checksum~1config").asText();
        assertFalse(before.isEmpty());
        assertFalse(before.equals(after), "a new inventory changes the pod template");
    }

    @Test
    void schemaRejectsAWrongValueType() {
        Exception e = assertThrows(Exception.class,
                () -> new Helm(CHART).template().withName("kkr").set("service.port", "eighty").call());
        assertTrue(e.getMessage().contains("service") || e.getMessage().contains("port"), e.getMessage());
        assertThrows(Exception.class,
                () -> new Helm(CHART).template().withName("kkr").set("vault.address", "vault:8200").call());
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
        return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).findFirst()
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
