package dev.kashierrotator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.config.InvalidConfiguration;
import dev.kashierrotator.inventory.Delivery;
import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.inventory.KeyKind;
import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.inventory.NotificationChannel;
import dev.kashierrotator.inventory.Strategy;
import dev.kashierrotator.testing.ConfigMappings;
import io.smallrye.config.PropertiesConfigSource;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Start-up checks the configuration once, every part by the rules kept beside what it governs, into one
 * collector: a person fixes a bad file in one go, and the failure is recognised by its type.
 */
@Tag("fast")
class ConfigurationCheckTest {

    private static Map<String, String> valid() {
        Map<String, String> c = new HashMap<>();
        c.put("rotator.vault.address", "http://127.0.0.1:8200");
        c.put("rotator.vault.token", "check-test-token");
        c.put("rotator.accounts.main.mid", "MID-1000-001");
        c.put("rotator.keys.pay.account", "main");
        c.put("rotator.keys.pay.mode", "test");
        c.put("rotator.keys.pay.kind", "payment-api-key");
        c.put("rotator.keys.sec.account", "main");
        c.put("rotator.keys.sec.mode", "live");
        c.put("rotator.keys.sec.kind", "secret-key");
        c.put("rotator.keys.sec.user", "svc");
        c.put("rotator.dependents.hook.keys", "pay");
        c.put("rotator.dependents.hook.type", "webhook");
        c.put("rotator.dependents.hook.url", "http://127.0.0.1:9001/rotation");
        c.put("rotator.dependents.hook.verify-url", "http://127.0.0.1:9001/fingerprints");
        c.put("rotator.dependents.hook.signing-secret", "check-test-secret");
        return c;
    }

    private static PropertiesConfigSource source(Map<String, String> c) {
        return new PropertiesConfigSource(c, "check-test", 100);
    }

    @Test
    void theVaultClientTheDashboardTheAccessRulesAndTheInventoryReportIntoOneCollector() {
        Map<String, String> c = valid();
        c.put("rotator.kashier.dashboard", "api");
        c.put("rotator.vault.auth.method", "ldap");
        c.put("rotator.security.tokens.ci.role", "nobody");
        c.put("rotator.security.tokens.ci.sha256", "0".repeat(64));
        c.put("rotator.keys.pay.mode", "staging");
        c.put("rotator.dependents.hook.type", "ftp");
        InvalidConfiguration failure =
                assertThrows(InvalidConfiguration.class, () -> ConfigMappings.checked(false, source(c)));
        assertEquals(
                List.of(
                        "rotator.kashier.dashboard",
                        "rotator.vault.auth.method",
                        "rotator.security.tokens.ci.role",
                        "rotator.keys.pay.mode",
                        "rotator.dependents.hook.type"),
                failure.entries());
        assertTrue(failure.problems()
                .contains("rotator.vault.auth.method: must be token, approle or kubernetes, " + "got 'ldap'"));
        StartupFailure told = StartupFailure.of(new RuntimeException("Failed to start quarkus", failure));
        assertTrue(told.understood(), "recognised by its type");
        assertEquals(failure.getMessage(), told.message());
    }

    @Test
    void aSimulatorThisBuildLacksIsNamedWithTheOtherProblems() {
        Map<String, String> c = valid();
        c.put("rotator.kashier.dashboard", "simulator");
        c.put("rotator.kashier.simulator.url", "http://127.0.0.1:9/sim/kashier");
        c.put("rotator.keys.pay.kind", "api-key");
        PropertiesConfigSource source = source(c);
        InvalidConfiguration failure =
                assertThrows(InvalidConfiguration.class, () -> ConfigMappings.checked(false, false, source));
        assertEquals(List.of("rotator.kashier.dashboard", "rotator.keys.pay.kind"), failure.entries());
        assertTrue(failure.problems().get(0).contains("this is the production build of the service"));
    }

    @Test
    void aStartUpRehearsalTooBigOrUnboundedIsNamed() {
        Map<String, String> c = valid();
        c.put("rotator.engine.warm-up-deliveries", "1000000");
        c.put("rotator.engine.warm-up-bound", "0s");
        InvalidConfiguration failure =
                assertThrows(InvalidConfiguration.class, () -> ConfigMappings.checked(false, source(c)));
        assertEquals(
                List.of(
                        "rotator.engine.warm-up-deliveries: is 1000000; give 0 (no rehearsal) to 10000",
                        "rotator.engine.warm-up-bound: is PT0S; give a duration above 0 and up to 5m (readiness"
                                + " waits that long at most)"),
                failure.problems());
    }

    @Test
    void closedSetsAreReadAsTodaysFilesWriteThem() {
        Map<String, String> c = valid();
        c.put("rotator.notifications.ops.type", " Slack ");
        c.put("rotator.notifications.ops.url", "https://hooks.slack.com/services/T0/B0/XYZ");
        c.put("rotator.notifications.ops.modes", "live, test");
        c.put("rotator.keys.sec.strategy", "alternating-users");
        c.put("rotator.keys.sec.users", "blue,green");
        c.put("rotator.dependents.hook.delivery", "reference");
        Inventory inventory = ConfigMappings.checked(false, source(c));
        assertEquals(Mode.TEST, inventory.key("pay").orElseThrow().mode());
        assertEquals(KeyKind.SECRET_KEY, inventory.key("sec").orElseThrow().kind());
        assertEquals(
                Strategy.ALTERNATING_USERS, inventory.key("sec").orElseThrow().strategy());
        assertEquals(
                Strategy.SINGLE_USER,
                ConfigMappings.checked(false, source(valid()))
                        .key("sec")
                        .orElseThrow()
                        .strategy(),
                "the default");
        NotificationChannel ops = inventory.channels().get(0);
        assertEquals(NotificationChannel.Type.SLACK, ops.type(), "any case and spacing, as before");
        assertEquals(EnumSet.of(Mode.LIVE, Mode.TEST), ops.modes(), "a list with spaces after its commas");
        assertTrue(!inventory.dependent("hook").orElseThrow().inlineDelivery(), Delivery.REFERENCE.id());
    }
}
