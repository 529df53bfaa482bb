package dev.kashierrotator.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.testing.ConfigMappings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.PropertiesConfigSource;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A Vault auth configuration that cannot work stops start-up naming the entry to fix. */
@Tag("fast")
class VaultAuthConfigTest {

    private static String problem(Map<String, String> auth) {
        Map<String, String> c = new HashMap<>(auth);
        c.put("rotator.vault.address", "http://127.0.0.1:1");
        return assertThrows(
                        IllegalStateException.class,
                        () -> new VaultKv(
                                ConfigMappings.rotator(new PropertiesConfigSource(c, "test", 100)),
                                new ObjectMapper(),
                                new SimpleMeterRegistry(),
                                java.time.Clock.systemUTC()))
                .getMessage();
    }

    @Test
    void eachMethodNamesWhatItLacks() {
        assertEquals(
                "rotator.vault.auth.method: must be token, approle or kubernetes, got 'ldap'",
                problem(Map.of("rotator.vault.auth.method", "ldap")));
        assertEquals(
                "rotator.vault.auth.role-id: required for AppRole auth",
                problem(Map.of("rotator.vault.auth.method", "approle")));
        assertEquals(
                "rotator.vault.auth.secret-id-file: required for AppRole auth (or rotator.vault.auth.secret-id)",
                problem(Map.of("rotator.vault.auth.method", "approle", "rotator.vault.auth.role-id", "r")));
        assertEquals(
                "rotator.vault.auth.role: required for Kubernetes auth",
                problem(Map.of("rotator.vault.auth.method", "kubernetes")));
    }
}
