package dev.kashierrotator.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.testing.OpenBao;
import dev.kashierrotator.testing.ServiceProcess;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged service against a Vault the way HCP Vault or a namespaced Vault Enterprise is reached:
 * over TLS with a private CA, in a namespace, with every Vault setting in a {@code .env} file of its
 * working directory (VAULT_ADDR, VAULT_TOKEN, VAULT_NAMESPACE, VAULT_CACERT) and none on the command
 * line. OpenBao 2.x has namespaces; this is its dev server with {@code -dev-tls}.
 */
class VaultNamespaceIT {

    private static final String NS = "team-pay";
    private static final String TOKEN = "ns-it-token";
    private static OpenBao bao;

    @BeforeAll
    static void vaultWithANamespace() {
        bao = OpenBao.startTls("ns-it");
        bao.api("POST", "sys/namespaces/" + NS, "{}");
        bao.api(NS, "POST", "sys/mounts/secret", "{\"type\":\"kv\",\"options\":{\"version\":\"2\"}}");
    }

    @AfterAll
    static void stop() {
        bao.kill();
    }

    /** The service's settings without any Vault setting: those come from the .env file. */
    private static Map<String, String> settings() {
        Map<String, String> c = new HashMap<>(ServiceProcess.PLAIN_HTTP);
        c.put("quarkus.profile", "simulated");
        c.put("rotator.bootstrap-token", TOKEN);
        c.put("rotator.kashier.dashboard", "simulator");
        c.put("rotator.kashier.simulator.enabled", "true");
        c.put("rotator.accounts.main.mid", "MID-7000-021");
        c.put("rotator.keys.ns-pay.account", "main");
        c.put("rotator.keys.ns-pay.mode", "test");
        c.put("rotator.keys.ns-pay.kind", "payment-api-key");
        c.put("rotator.keys.ns-pay.grace", "0s");
        c.put("rotator.dependents.ns-reports.keys", "ns-pay");
        c.put("rotator.dependents.ns-reports.type", "vault-kv");
        c.put("rotator.dependents.ns-reports.path", "apps/ns-reports/kashier");
        c.put("rotator.dependents.ns-reports.confirm", "read-back");
        c.put("rotator.rollout.soak", "0s");
        return c;
    }

    private static Path workDir(String name, String env) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", name).toAbsolutePath());
        Files.writeString(dir.resolve(".env"), env, StandardCharsets.UTF_8);
        return dir;
    }

    @Test
    void vaultSettingsFromADotEnvFileReachItsNamespaceOverTls() throws Exception {
        Path dir = workDir(
                "ns-it-run",
                "VAULT_ADDR=" + bao.address() + "\n"
                        + "VAULT_TOKEN=" + bao.rootToken() + "\n"
                        + "VAULT_NAMESPACE=" + NS + "\n"
                        + "VAULT_CACERT=" + bao.caFile() + "\n");
        // The simulator's dashboard is this service itself, found from its own (random) port.
        try (ServiceProcess service = ServiceProcess.start(
                "ns-it",
                OpenBao.freePort(),
                settings(),
                List.of("-Xmx256m"),
                Path.of("target", "quarkus-app", "quarkus-run.jar"),
                dir)) {
            // Seeded at start-up: the key's record is in the namespace, not in the root namespace.
            assertTrue(
                    bao.api(NS, "GET", "secret/metadata/kashier/ns-pay", null).contains("\"versions\""));
            assertThrows(
                    IllegalStateException.class,
                    () -> bao.api("GET", "secret/metadata/kashier/ns-pay", null),
                    "nothing in the root namespace");

            String id = service.rotate(TOKEN, "ns-pay", "namespaced vault");
            Response ended = service.awaitEnd(TOKEN, id, 60);
            assertEquals("COMPLETED", ended.path("state"), ended.asString());
            String copy = bao.api(NS, "GET", "secret/data/apps/ns-reports/kashier/ns-pay", null);
            assertTrue(copy.contains("\"fingerprint\""), "the vault-kv dependent's copy, in the namespace");
            assertFalse(
                    bao.api(NS, "GET", "secret/metadata/kashier/ns-pay", null).contains("\"current_version\":1,"),
                    "the key's record has a new version");
        }
    }

    @Test
    void aCaFileThatIsNotThereStopsStartUpInOneLine() throws Exception {
        Path dir = workDir(
                "ns-it-no-ca",
                "VAULT_ADDR=" + bao.address() + "\nVAULT_TOKEN=" + bao.rootToken() + "\nVAULT_NAMESPACE=" + NS + "\n");
        Map<String, String> c = settings();
        c.put("rotator.vault.ca-file", dir.resolve("missing-ca.pem").toString());
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> ServiceProcess.start(
                        "ns-it-no-ca",
                        OpenBao.freePort(),
                        c,
                        List.of("-Xmx256m"),
                        Path.of("target", "quarkus-app", "quarkus-run.jar"),
                        dir));
        assertTrue(e.getMessage().contains("exited"), e.getMessage());
        String log = Files.readString(Path.of("target", "it-ns-it-no-ca.log"));
        assertTrue(
                log.contains("cannot start: rotator.vault.ca-file (or VAULT_CACERT): '" + dir.resolve("missing-ca.pem")
                        + "' holds no readable PEM certificate"),
                log);
        assertFalse(log.contains("\tat "), "one line, no stack trace: " + log);
    }
}
