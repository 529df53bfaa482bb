package dev.kashierrotator.vault;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.testing.OpenBao;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * AppRole on the real OpenBao, set up as the README tells an operator to: the narrow policy, a role
 * with a short token TTL and max TTL (so renewal and re-login happen within a test), and a secret id
 * in a file, as a mounted Kubernetes Secret would hold it.
 */
public class AppRoleTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String TOKEN = "approle-test-token";
    static final String MOUNT = "approle-" + UUID.randomUUID().toString().substring(0, 8);

    /** The policy of the README's "Deploy on Kubernetes" section, for this test's prefixes. */
    static String policy(String keys, String state, String appPath) {
        return String.join(
                "\n",
                "path \"secret/data/" + keys + "/*\" { capabilities = [\"create\", \"read\", \"update\"] }",
                "path \"secret/destroy/" + keys + "/*\" { capabilities = [\"update\"] }",
                "path \"secret/data/" + state + "/*\" { capabilities = [\"create\", \"read\", \"update\"] }",
                "path \"secret/metadata/" + state + "/*\" { capabilities = [\"list\"] }",
                "path \"secret/data/" + appPath + "/*\" { capabilities = [\"create\", \"read\", \"update\"] }");
    }

    @Override
    public Map<String, String> start() {
        OpenBao bao = OpenBao.get();
        ObjectMapper json = new ObjectMapper();
        try {
            bao.api("POST", "sys/auth/" + MOUNT, "{\"type\": \"approle\"}");
            bao.api(
                    "PUT",
                    "sys/policies/acl/" + MOUNT,
                    json.writeValueAsString(Map.of(
                            "policy", policy("approle/kashier", "approle/kashier-rotator", "approle/apps/reports"))));
            bao.api(
                    "POST",
                    "auth/" + MOUNT + "/role/rotator",
                    json.writeValueAsString(Map.of("token_policies", MOUNT, "token_ttl", "6s", "token_max_ttl", "8s")));
            String roleId = json.readTree(bao.api("GET", "auth/" + MOUNT + "/role/rotator/role-id", null))
                    .path("data")
                    .path("role_id")
                    .asText();
            String secretId = json.readTree(bao.api("POST", "auth/" + MOUNT + "/role/rotator/secret-id", "{}"))
                    .path("data")
                    .path("secret_id")
                    .asText();
            Path secretFile =
                    Files.createDirectories(Path.of("target", "approle")).resolve("secret-id");
            Files.writeString(secretFile, secretId + "\n");

            Map<String, String> c = new HashMap<>();
            c.put("rotator.vault.address", bao.address());
            c.put("rotator.vault.auth.method", "approle");
            c.put("rotator.vault.auth.mount", MOUNT);
            c.put("rotator.vault.auth.role-id", roleId);
            c.put(
                    "rotator.vault.auth.secret-id-file",
                    secretFile.toAbsolutePath().toString());
            c.put("rotator.vault.auth.check-interval", "1s");
            c.put("rotator.vault.key-prefix", "approle/kashier");
            c.put("rotator.vault.state-prefix", "approle/kashier-rotator");
            c.put("rotator.bootstrap-token", TOKEN);
            c.put("rotator.accounts.main.mid", "MID-4000-004");
            RotatorTestResource.key(c, "approle-pay", "main", "test", "payment-api-key", "200ms");
            RotatorTestResource.vaultKv(c, "reports", 0, "approle/apps/reports", List.of("approle-pay"));
            c.put("rotator.rollout.soak", "0s");
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        dev.kashierrotator.testing.Dependents.stopAll();
        OpenBao.stopShared();
    }
}
