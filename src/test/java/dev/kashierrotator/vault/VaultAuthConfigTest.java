package dev.kashierrotator.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.config.InvalidConfiguration;
import dev.kashierrotator.testing.ConfigMappings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.PropertiesConfigSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A Vault auth configuration that cannot work stops start-up naming the entry to fix. */
@Tag("fast")
class VaultAuthConfigTest {

    private static List<String> problems(Map<String, String> auth) {
        Map<String, String> c = new HashMap<>(auth);
        c.put("rotator.vault.address", "http://127.0.0.1:1");
        List<String> problems = assertThrows(
                        InvalidConfiguration.class,
                        () -> new VaultKv(
                                ConfigMappings.rotator(new PropertiesConfigSource(c, "test", 100)),
                                new ObjectMapper(),
                                new SimpleMeterRegistry(),
                                java.time.Clock.systemUTC()))
                .problems();
        return problems;
    }

    @Test
    void eachMethodNamesWhatItLacks() {
        assertEquals(
                List.of("rotator.vault.auth.method: must be token, approle or kubernetes, got 'ldap'"),
                problems(Map.of("rotator.vault.auth.method", "ldap")));
        assertEquals(
                List.of(
                        "rotator.vault.auth.role-id: required for AppRole auth",
                        "rotator.vault.auth.secret-id-file: required for AppRole auth (or rotator.vault.auth.secret-id)"),
                problems(Map.of("rotator.vault.auth.method", "approle")),
                "both at once");
        assertEquals(
                List.of(
                        "rotator.vault.auth.secret-id-file: required for AppRole auth (or rotator.vault.auth.secret-id)"),
                problems(Map.of("rotator.vault.auth.method", "approle", "rotator.vault.auth.role-id", "r")));
        assertEquals(
                List.of("rotator.vault.auth.role: required for Kubernetes auth"),
                problems(Map.of("rotator.vault.auth.method", "kubernetes")));
    }
}
