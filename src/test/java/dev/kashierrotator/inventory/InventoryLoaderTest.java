package dev.kashierrotator.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.config.InvalidConfiguration;
import dev.kashierrotator.testing.ConfigMappings;
import io.smallrye.config.PropertiesConfigSource;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Bad inventories stop start-up with one line per problem, each naming its entry. The config goes
 * through the same SmallRye mapping the service uses.
 */
@Tag("fast")
class InventoryLoaderTest {

    private static Map<String, String> valid() {
        Map<String, String> c = new HashMap<>();
        // Start-up checks everything at once (ConfigurationCheck): the service's own settings are valid here.
        c.put("rotator.vault.address", "http://127.0.0.1:8200");
        c.put("rotator.vault.token", "inventory-test-token");
        c.put("rotator.accounts.main.mid", "MID-3552-454");
        c.put("rotator.keys.main-test-payment.account", "main");
        c.put("rotator.keys.main-test-payment.mode", "test");
        c.put("rotator.keys.main-test-payment.kind", "payment-api-key");
        c.put("rotator.keys.main-test-payment.schedule.every", "30d");
        c.put("rotator.keys.main-test-payment.schedule.window", "2h");
        c.put("rotator.keys.main-test-secret.account", "main");
        c.put("rotator.keys.main-test-secret.mode", "test");
        c.put("rotator.keys.main-test-secret.kind", "secret-key");
        c.put("rotator.dependents.checkout-api.keys", "main-test-payment,main-test-secret");
        c.put("rotator.dependents.checkout-api.type", "webhook");
        c.put("rotator.dependents.checkout-api.url", "http://127.0.0.1:9001/rotation");
        c.put("rotator.dependents.checkout-api.verify-url", "http://127.0.0.1:9001/rotation/fingerprints");
        c.put("rotator.dependents.checkout-api.signing-secret", "s3cret");
        c.put("rotator.dependents.reports.keys", "main-test-payment");
        c.put("rotator.dependents.reports.wave", "1");
        c.put("rotator.dependents.reports.type", "vault-kv");
        c.put("rotator.dependents.reports.path", "apps/reports/kashier");
        c.put("rotator.dependents.reports.confirm", "read-back");
        return c;
    }

    private static Inventory load(Map<String, String> properties) {
        return ConfigMappings.checked(false, new PropertiesConfigSource(properties, "test", 100));
    }

    private static List<String> problems(Consumer<Map<String, String>> change) {
        Map<String, String> c = valid();
        change.accept(c);
        return assertThrows(InvalidConfiguration.class, () -> load(c)).problems();
    }

    private static void assertOneProblem(String expected, Consumer<Map<String, String>> change) {
        List<String> problems = problems(change);
        assertEquals(1, problems.size(), "one line per problem: " + problems);
        assertTrue(problems.get(0).startsWith(expected), "got: " + problems.get(0));
    }

    @Test
    void validInventoryLoads() {
        Inventory inventory = load(valid());
        assertEquals(2, inventory.keys().size());
        KeySpec payment = inventory.key("main-test-payment").orElseThrow();
        assertEquals(Mode.TEST, payment.mode());
        assertEquals("MID-3552-454", payment.mid());
        assertEquals(Duration.ofHours(24), payment.grace());
        assertEquals(
                Duration.ofDays(30), payment.schedule().orElseThrow().every().orElseThrow());
        assertEquals(
                List.of("checkout-api", "reports"),
                inventory.dependentsOf("main-test-payment").stream()
                        .map(DependentSpec::id)
                        .toList());
        assertEquals(Duration.ofSeconds(30), inventory.rollout().soak());
    }

    @Test
    void dependentsAreReadInEveryFormTheMappingTookWithItsDefaults() {
        Map<String, String> c = valid();
        // A list as YAML writes it (indexed), an id with a dot (quoted), a profile that is not active.
        c.remove("rotator.dependents.checkout-api.keys");
        c.put("rotator.dependents.checkout-api.keys[0]", "main-test-payment");
        c.put("rotator.dependents.checkout-api.keys[1]", "main-test-secret");
        c.put("rotator.dependents.\"pos.v2\".keys", "main-test-payment, main-test-secret");
        c.put("rotator.dependents.\"pos.v2\".type", "kubernetes-secret");
        c.put("rotator.dependents.\"pos.v2\".namespace", "pos");
        c.put("rotator.dependents.\"pos.v2\".secret", "kashier");
        c.put("rotator.dependents.\"pos.v2\".restart", "deployment/pos, statefulset/pos-worker");
        c.put("%dev.rotator.dependents.dev-only.keys", "main-test-payment");
        Inventory inventory = load(c);
        assertEquals(
                List.of("checkout-api", "pos.v2", "reports"),
                inventory.dependents().stream().map(DependentSpec::id).sorted().toList());
        DependentSpec checkout = inventory.dependent("checkout-api").orElseThrow();
        assertEquals(List.of("main-test-payment", "main-test-secret"), checkout.keys());
        assertEquals(0, checkout.wave(), "wave defaults to 0, the canary");
        DependentSpec pos = inventory.dependent("pos.v2").orElseThrow();
        assertEquals(List.of("main-test-payment", "main-test-secret"), pos.keys(), "a comma-separated list");
    }

    @Test
    void anUnknownMissingOrMalformedDependentSettingIsNamed() {
        List<String> problems = problems(c -> {
            c.put("rotator.dependents.checkout-api.verfy-url", "http://127.0.0.1:9001/fp");
            c.put("rotator.dependents.reports.wave", "second");
            c.put("rotator.dependents.orphan.url", "http://127.0.0.1:9009/rotation");
        });
        assertTrue(
                problems.get(0)
                        .startsWith("rotator.dependents.checkout-api.verfy-url: not a setting of a dependent; "
                                + "the settings are ca-bundle, confirm, confirm-path, delivery, keys, namespace, path, "
                                + "restart, secret, signing-secret, type, url, verify-url, wave"),
                problems.toString());
        assertTrue(
                problems.contains("rotator.dependents.orphan.keys: required for every dependent"), problems.toString());
        assertTrue(
                problems.contains("rotator.dependents.orphan.type: required for every dependent"), problems.toString());
        assertTrue(
                problems.contains("rotator.dependents.reports.wave: must be a whole number, got 'second'"),
                problems.toString());
    }

    @Test
    void liveKeysTravelOnlyOverHttps() {
        List<String> problems = problems(c -> {
            c.put("rotator.keys.main-live-payment.account", "main");
            c.put("rotator.keys.main-live-payment.mode", "live");
            c.put("rotator.keys.main-live-payment.kind", "payment-api-key");
            c.put("rotator.dependents.checkout-api.keys", "main-test-payment,main-live-payment");
            c.put("rotator.kashier.api.live-base-url", "http://api.kashier.io");
        });
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(
                problems.get(0)
                        .startsWith("rotator.kashier.api.live-base-url: must be https for live mode, got "
                                + "'http://api.kashier.io'"),
                problems.get(0));
        assertTrue(
                problems.contains("rotator.dependents.checkout-api.url: must be https for live key "
                        + "'main-live-payment', got 'http://127.0.0.1:9001/rotation' (plain http is allowed only for a local "
                        + "simulator, with rotator.security.allow-insecure-live-urls=true)"),
                problems.toString());
        assertTrue(
                problems.stream()
                        .anyMatch(p -> p.startsWith("rotator.dependents.checkout-api.verify-url: must be "
                                + "https for live key 'main-live-payment'")),
                problems.toString());

        Map<String, String> local = valid();
        local.put("rotator.keys.main-live-payment.account", "main");
        local.put("rotator.keys.main-live-payment.mode", "live");
        local.put("rotator.keys.main-live-payment.kind", "payment-api-key");
        local.put("rotator.dependents.checkout-api.keys", "main-test-payment,main-live-payment");
        local.put("rotator.kashier.api.live-base-url", "http://127.0.0.1:8080/sim/kashier/live");
        local.put("rotator.security.allow-insecure-live-urls", "true");
        assertEquals(3, load(local).keys().size(), "a local simulator may speak plain http when allowed");
    }

    @Test
    void inProductionEveryKeyAndTokenTravelsOverHttpsUnlessOnLoopback() {
        List<String> problems = problems(c -> {
            c.put("rotator.vault.address", "http://vault.vault.svc:8200");
            c.put("rotator.kashier.api.test-base-url", "http://test-api.kashier.io");
            c.put("rotator.dependents.checkout-api.url", "http://checkout.payments.svc/rotation");
            c.put("rotator.kashier.simulator.enabled", "true");
        });
        assertTrue(
                problems.contains("rotator.vault.address: must be https in production (rotator.security.https-only), "
                        + "got 'http://vault.vault.svc:8200'; plain http is allowed to loopback only (or with "
                        + "rotator.security.allow-insecure-live-urls)"),
                problems.toString());
        assertTrue(
                problems.stream().anyMatch(p -> p.startsWith("rotator.kashier.api.test-base-url: must be https")),
                problems.toString());
        assertTrue(
                problems.stream()
                        .anyMatch(p ->
                                p.startsWith("rotator.dependents.checkout-api.url: must be https " + "in production")),
                "a test key's webhook too (finding 24): " + problems);
        assertTrue(
                problems.contains("rotator.kashier.simulator.enabled: the Kashier simulator must not be served "
                        + "with rotator.security.https-only (production); run it as its own process for tests"),
                "finding 28: " + problems);
        assertEquals(4, problems.size(), problems.toString());

        Map<String, String> sidecar = valid();
        sidecar.put("rotator.vault.address", "http://127.0.0.1:8200");
        assertEquals(2, load(sidecar).keys().size(), "a Vault Agent on the pod's loopback may speak plain http");
        Map<String, String> dev = valid();
        dev.put("rotator.vault.address", "http://vault.vault.svc:8200");
        dev.put("rotator.security.https-only", "false");
        assertEquals(2, load(dev).keys().size(), "outside production the rule does not apply");
    }

    @Test
    void loopbackIsAnAddressNotAHostNameThatStartsWith127() {
        // Edges review L1: "127." was a string prefix, so DNS names chosen by anyone passed in production.
        List<String> problems = problems(c -> {
            c.put("rotator.vault.address", "http://127.vault.attacker.example:8200");
            c.put("rotator.dependents.checkout-api.url", "http://127.0.0.1.nip.io/rotation");
            c.put("rotator.notifications.hook.type", "webhook");
            c.put("rotator.notifications.hook.url", "http://127.attacker.example/hook");
            c.put("rotator.notifications.hook.signing-secret", "s");
        });
        for (String entry : List.of(
                "rotator.vault.address", "rotator.dependents.checkout-api.url", "rotator.notifications.hook.url")) {
            assertTrue(
                    problems.stream().anyMatch(p -> p.startsWith(entry + ": must be https")), entry + ": " + problems);
        }
        for (String address : List.of(
                "http://127.0.0.1:8200", "http://127.10.20.30:8200", "http://localhost:8200", "http://[::1]:8200")) {
            Map<String, String> c = valid();
            c.put("rotator.vault.address", address);
            assertEquals(2, load(c).keys().size(), address + " is loopback");
        }
    }

    @Test
    void aVaultKvDependentCannotWriteOverTheServicesOwnPathsHoweverThePrefixIsWritten() {
        assertOneProblem(
                "rotator.dependents.reports.path: 'kashier' overlaps the service's own Vault path 'kashier'", c -> {
                    c.put("rotator.vault.key-prefix", "/kashier/");
                    c.put("rotator.dependents.reports.path", "kashier");
                });
    }

    @Test
    void unknownAccountIsNamed() {
        assertOneProblem(
                "rotator.keys.main-test-secret.account: unknown account 'nope'",
                c -> c.put("rotator.keys.main-test-secret.account", "nope"));
    }

    @Test
    void unknownKeyReferencedByADependentIsNamed() {
        assertOneProblem(
                "rotator.dependents.reports.keys: unknown key 'main-live-payment'",
                c -> c.put("rotator.dependents.reports.keys", "main-live-payment"));
    }

    @Test
    void modeMustBeTestOrLive() {
        assertOneProblem(
                "rotator.keys.main-test-payment.mode: must be test or live, got 'staging'",
                c -> c.put("rotator.keys.main-test-payment.mode", "staging"));
    }

    @Test
    void kindMustBeKnown() {
        assertOneProblem(
                "rotator.keys.main-test-payment.kind: must be payment-api-key or secret-key",
                c -> c.put("rotator.keys.main-test-payment.kind", "api-key"));
    }

    @Test
    void badDurationsAreNamed() {
        assertOneProblem(
                "rotator.keys.main-test-payment.grace: '1 day' is not a duration",
                c -> c.put("rotator.keys.main-test-payment.grace", "1 day"));
        assertOneProblem("rotator.rollout.soak: '30x' is not a duration", c -> c.put("rotator.rollout.soak", "30x"));
        assertOneProblem(
                "rotator.keys.main-test-payment.schedule.every: 'monthly' is not a duration",
                c -> c.put("rotator.keys.main-test-payment.schedule.every", "monthly"));
    }

    @Test
    void scheduleNeedsExactlyOneOfEveryOrCronAndAValidCron() {
        assertOneProblem(
                "rotator.keys.main-test-payment.schedule: give exactly one of every or cron",
                c -> c.put("rotator.keys.main-test-payment.schedule.cron", "0 0 3 1 * ?"));
        assertOneProblem("rotator.keys.main-test-payment.schedule.cron: 'every tuesday' is not a Quartz cron", c -> {
            c.remove("rotator.keys.main-test-payment.schedule.every");
            c.put("rotator.keys.main-test-payment.schedule.cron", "every tuesday");
        });
    }

    @Test
    void webhookNeedsUrlVerifyUrlAndSigningSecret() {
        assertOneProblem(
                "rotator.dependents.checkout-api.url: an http(s) URL is required",
                c -> c.remove("rotator.dependents.checkout-api.url"));
        assertOneProblem(
                "rotator.dependents.checkout-api.verify-url: 'ftp://x/y' is not an http(s) URL",
                c -> c.put("rotator.dependents.checkout-api.verify-url", "ftp://x/y"));
        assertOneProblem(
                "rotator.dependents.checkout-api.signing-secret: a webhook needs a signing secret",
                c -> c.remove("rotator.dependents.checkout-api.signing-secret"));
        assertOneProblem(
                "rotator.dependents.checkout-api.delivery: must be inline or reference",
                c -> c.put("rotator.dependents.checkout-api.delivery", "email"));
    }

    @Test
    void vaultKvPathMustNotOverlapTheServicesOwnPaths() {
        assertOneProblem(
                "rotator.dependents.reports.path: 'kashier/copies' overlaps the service's own Vault path",
                c -> c.put("rotator.dependents.reports.path", "kashier/copies"));
        assertOneProblem(
                "rotator.dependents.reports.path: a vault-kv dependent needs a path",
                c -> c.remove("rotator.dependents.reports.path"));
    }

    @Test
    void duplicatesAreNamed() {
        assertOneProblem(
                "rotator.dependents.reports.keys: key 'main-test-payment' is listed twice (duplicate)",
                c -> c.put("rotator.dependents.reports.keys", "main-test-payment,main-test-payment"));
        assertOneProblem("rotator.accounts.", c -> c.put("rotator.accounts.copy.mid", "MID-3552-454"));
        assertTrue(problems(c -> c.put("rotator.accounts.copy.mid", "MID-3552-454"))
                .get(0)
                .contains("duplicate account"));
        List<String> twoOwners = problems(c -> {
            c.put("rotator.keys.other-secret.account", "main");
            c.put("rotator.keys.other-secret.mode", "test");
            c.put("rotator.keys.other-secret.kind", "secret-key");
        });
        assertEquals(1, twoOwners.size());
        assertTrue(
                twoOwners.get(0).contains("already managed by key")
                        && twoOwners.get(0).contains("duplicate key"),
                twoOwners.get(0));
    }

    @Test
    void theProdProfileRefusesTheSimulatorInBothItsForms() {
        Map<String, String> c = valid();
        c.put("rotator.kashier.dashboard", "simulator");
        c.put("rotator.kashier.simulator.enabled", "true");
        c.put("rotator.security.https-only", "false");
        List<String> problems = assertThrows(
                        InvalidConfiguration.class,
                        () -> ConfigMappings.checked(true, new PropertiesConfigSource(c, "test", 100)))
                .problems();
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("rotator.kashier.dashboard: 'simulator' is refused in the prod profile"));
        assertTrue(problems.get(1)
                .startsWith("rotator.kashier.simulator.enabled: the Kashier simulator is refused in the prod profile"));
        assertEquals(
                2,
                ConfigMappings.checked(false, new PropertiesConfigSource(c, "test", 100))
                        .keys()
                        .size(),
                "another profile (simulated, test, dev) may use it");
    }

    @Test
    void aConfirmationCannotBeWrittenByTheServiceOrByAnotherConsumer() {
        // Edges review M6: each of these let the old key expire while the real consumer still used it.
        Consumer<Map<String, String>> ledger = c -> {
            c.put("rotator.dependents.ledger.type", "vault-kv");
            c.put("rotator.dependents.ledger.keys", "main-test-payment");
            c.put("rotator.dependents.ledger.path", "apps/ledger/kashier");
            c.put("rotator.dependents.ledger.confirm-path", "apps/ledger/in-use");
            c.remove("rotator.dependents.reports.confirm");
        };
        assertOneProblem(
                "rotator.dependents.reports.confirm-path: 'apps/ledger/kashier' overlaps the path "
                        + "'apps/ledger/kashier' the service delivers dependent 'ledger''s key to",
                ledger.andThen(c -> c.put("rotator.dependents.reports.confirm-path", "/apps/ledger/kashier/")));
        assertOneProblem(
                "rotator.dependents.reports.confirm-path: 'apps/ledger/in-use' overlaps dependent 'ledger''s "
                        + "confirm-path 'apps/ledger/in-use': one consumer could confirm for the other",
                ledger.andThen(c -> c.put("rotator.dependents.reports.confirm-path", "apps/ledger/in-use")));
        assertOneProblem(
                "rotator.dependents.reports.confirm-path: 'apps/ledger/in-use/reports' overlaps dependent 'ledger''s "
                        + "confirm-path",
                ledger.andThen(c -> c.put("rotator.dependents.reports.confirm-path", "apps/ledger/in-use/reports")));
        List<String> above = problems(ledger.andThen(c -> c.put("rotator.dependents.reports.confirm-path", "apps")));
        assertEquals(3, above.size(), "above both delivery paths and ledger's confirm-path: " + above);
        assertTrue(
                above.get(0)
                        .startsWith("rotator.dependents.reports.confirm-path: 'apps' overlaps the path "
                                + "'apps/ledger/kashier'"),
                above.toString());
        assertOneProblem(
                "rotator.dependents.reports.path: 'apps/ledger/kashier' is also dependent 'ledger''s path",
                ledger.andThen(c -> {
                    c.put("rotator.dependents.reports.path", "apps/ledger/kashier");
                    c.put("rotator.dependents.reports.confirm-path", "apps/reports/in-use");
                }));
        Map<String, String> apart = valid();
        ledger.andThen(c -> c.put("rotator.dependents.reports.confirm-path", "apps/reports/in-use"))
                .accept(apart);
        assertEquals(
                2,
                load(apart).dependents().stream()
                        .filter(d -> d.confirmPath().isPresent())
                        .count(),
                "paths apart: both load");
    }

    @Test
    void aVaultKvDependentSaysHowItsConsumerConfirmsTheNewKey() {
        assertOneProblem(
                "rotator.dependents.reports.confirm: say how the service that reads apps/reports/kashier confirms "
                        + "it uses the new key, so that the old key expires only after it does: verify-url",
                c -> c.remove("rotator.dependents.reports.confirm"));
        assertOneProblem(
                "rotator.dependents.reports.confirm: must be verify-url, confirm-path or read-back, got 'trust-me'",
                c -> c.put("rotator.dependents.reports.confirm", "trust-me"));
        assertOneProblem("rotator.dependents.reports.confirm-path: must differ from path", c -> {
            c.remove("rotator.dependents.reports.confirm");
            c.put("rotator.dependents.reports.confirm-path", "/apps/reports/kashier/");
        });
        assertOneProblem(
                "rotator.dependents.reports.confirm-path: 'kashier/in-use' overlaps the service's own Vault path",
                c -> {
                    c.remove("rotator.dependents.reports.confirm");
                    c.put("rotator.dependents.reports.confirm-path", "kashier/in-use");
                });
        assertOneProblem("rotator.dependents.reports.confirm-path: give verify-url or confirm-path, not both", c -> {
            c.remove("rotator.dependents.reports.confirm");
            c.put("rotator.dependents.reports.confirm-path", "apps/reports/in-use");
            c.put("rotator.dependents.reports.verify-url", "http://127.0.0.1:9/fingerprints");
        });
        assertOneProblem(
                "rotator.dependents.reports.confirm: read-back ignores the consumer's verify-url",
                c -> c.put("rotator.dependents.reports.confirm-path", "apps/reports/in-use"));
        assertOneProblem(
                "rotator.dependents.reports.verify-url: required with confirm: verify-url",
                c -> c.put("rotator.dependents.reports.confirm", "verify-url"));

        Map<String, String> byPath = valid();
        byPath.remove("rotator.dependents.reports.confirm");
        byPath.put("rotator.dependents.reports.confirm-path", "/apps/reports/in-use/");
        DependentSpec reports = load(byPath).dependent("reports").orElseThrow();
        assertEquals(Optional.of(Confirmation.CONFIRM_PATH), reports.confirmation());
        assertEquals(Optional.of("apps/reports/in-use"), reports.confirmPath());
        Map<String, String> byUrl = valid();
        byUrl.remove("rotator.dependents.reports.confirm");
        byUrl.put("rotator.dependents.reports.verify-url", "http://127.0.0.1:9/fingerprints");
        assertEquals(
                Optional.of(Confirmation.VERIFY_URL),
                load(byUrl).dependent("reports").orElseThrow().confirmation());
        assertEquals(
                Optional.of(Confirmation.READ_BACK),
                load(valid()).dependent("reports").orElseThrow().confirmation(),
                "read-back, when named");
    }

    @Test
    void unknownDependentTypeAndKubernetesSecretFieldsAreNamed() {
        assertOneProblem(
                "rotator.dependents.reports.type: must be webhook, vault-kv or kubernetes-secret",
                c -> c.put("rotator.dependents.reports.type", "ftp"));
        List<String> k8s = problems(c -> c.put("rotator.dependents.reports.type", "kubernetes-secret"));
        assertEquals(
                List.of(
                        "rotator.dependents.reports.namespace: a kubernetes-secret dependent needs this name",
                        "rotator.dependents.reports.secret: a kubernetes-secret dependent needs this name"),
                k8s);
        assertOneProblem("rotator.dependents.reports.restart: 'Billing_Worker' is not a Kubernetes name", c -> {
            c.put("rotator.dependents.reports.type", "kubernetes-secret");
            c.put("rotator.dependents.reports.namespace", "billing");
            c.put("rotator.dependents.reports.secret", "kashier-keys");
            c.put("rotator.dependents.reports.restart", "Billing_Worker");
        });
        assertOneProblem(
                "rotator.dependents.reports.restart: 'cronjob/nightly' names no workload kubectl would restart: give "
                        + "deployment/NAME, statefulset/NAME or daemonset/NAME (a bare NAME is a Deployment)",
                c -> {
                    c.put("rotator.dependents.reports.type", "kubernetes-secret");
                    c.put("rotator.dependents.reports.namespace", "billing");
                    c.put("rotator.dependents.reports.secret", "kashier-keys");
                    c.put("rotator.dependents.reports.restart", "statefulset/ledger,cronjob/nightly");
                });
        assertOneProblem("rotator.dependents.reports.restart: 'Ledger' is not a Kubernetes name", c -> {
            c.put("rotator.dependents.reports.type", "kubernetes-secret");
            c.put("rotator.dependents.reports.namespace", "billing");
            c.put("rotator.dependents.reports.secret", "kashier-keys");
            c.put("rotator.dependents.reports.restart", "sts/Ledger");
        });
        for (String bad : List.of("billing-", "-billing", "billing.")) {
            assertTrue(
                    problems(c -> {
                                c.put("rotator.dependents.reports.type", "kubernetes-secret");
                                c.put("rotator.dependents.reports.namespace", "billing");
                                c.put("rotator.dependents.reports.secret", "kashier-keys");
                                c.put("rotator.dependents.reports.restart", "worker," + bad);
                            })
                            .stream()
                            .anyMatch(p -> p.contains("'" + bad + "' is not a Kubernetes name")),
                    bad);
        }
        assertOneProblem(
                "rotator.dependents.reports.path: 'apps//reports' is not a Vault path (letters, digits, . _ - "
                        + "separated by /)",
                c -> c.put("rotator.dependents.reports.path", "apps//reports"));
        assertOneProblem(
                "rotator.dependents.reports.path: 'apps/re ports' is not a Vault path (letters, digits, . _ - "
                        + "separated by /)",
                c -> c.put("rotator.dependents.reports.path", "apps/re ports"));
    }

    @Test
    void badIdsAndDashboardAreNamed() {
        assertOneProblem(
                "rotator.kashier.dashboard: must be manual or simulator, got 'api'",
                c -> c.put("rotator.kashier.dashboard", "api"));
        List<String> badId = problems(c -> {
            c.put("rotator.accounts.Main_Account!.mid", "MID-1-2");
        });
        assertTrue(badId.get(0).startsWith("rotator.accounts.Main_Account!: id"), badId.get(0));
    }

    @Test
    void keysMayOverrideTheWavePolicyFieldByField() {
        Map<String, String> c = valid();
        c.put("rotator.rollout.failure-threshold", "10%");
        c.put("rotator.keys.main-test-payment.rollout.soak", "5m");
        c.put("rotator.keys.main-test-payment.rollout.failure-threshold", "0");
        Inventory inventory = load(c);
        RolloutPolicy own = inventory.key("main-test-payment").orElseThrow().rollout();
        assertEquals(Duration.ofMinutes(5), own.soak());
        assertEquals(0, own.failureThresholdPercent());
        assertEquals(16, own.maxConcurrency(), "the rest comes from rotator.rollout");
        assertEquals(
                10, inventory.key("main-test-secret").orElseThrow().rollout().failureThresholdPercent());
        assertTrue(
                own.waveFails(0, 1, 100)
                        && !inventory.rollout().waveFails(1, 10, 100)
                        && inventory.rollout().waveFails(1, 11, 100),
                "canary tolerates nothing; later waves up to 10%");
    }

    @Test
    void badWavePolicyValuesAreNamed() {
        assertOneProblem(
                "rotator.rollout.failure-threshold: 'some' is not a percentage",
                c -> c.put("rotator.rollout.failure-threshold", "some"));
        assertOneProblem(
                "rotator.keys.main-test-payment.rollout.max-concurrency: must be between 1 and 1024",
                c -> c.put("rotator.keys.main-test-payment.rollout.max-concurrency", "5000"));
        assertOneProblem(
                "rotator.keys.main-test-payment.rollout.verify-timeout: 'soon' is not a duration",
                c -> c.put("rotator.keys.main-test-payment.rollout.verify-timeout", "soon"));
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        InvalidConfiguration e = assertThrows(
                InvalidConfiguration.class,
                () -> load(new HashMap<>(valid()) {
                    {
                        put("rotator.keys.main-test-payment.mode", "prod");
                        put("rotator.rollout.max-concurrency", "0");
                        remove("rotator.dependents.checkout-api.url");
                    }
                }));
        assertEquals(3, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().startsWith("Invalid rotator configuration (3 problems):"));
    }

    @Test
    void notificationChannelsAreCheckedNamingTheEntryAndNeverRepeatingASlackUrl() {
        String slackUrl = "https://hooks.slack.com/services/T000/B000/SECRETPART";
        assertOneProblem("rotator.notifications.ops.type: must be slack, pagerduty or webhook", c -> {
            c.put("rotator.notifications.ops.type", "email");
        });
        assertOneProblem("rotator.notifications.pd.routing-key: required for pagerduty", c -> {
            c.put("rotator.notifications.pd.type", "pagerduty");
        });
        assertOneProblem("rotator.notifications.hook.signing-secret: required for webhook", c -> {
            c.put("rotator.notifications.hook.type", "webhook");
            c.put("rotator.notifications.hook.url", "https://hooks.example/rotator");
        });
        assertOneProblem("rotator.notifications.ops.events: unknown event 'person-neded'", c -> {
            c.put("rotator.notifications.ops.type", "slack");
            c.put("rotator.notifications.ops.url", slackUrl);
            c.put("rotator.notifications.ops.events", "person-neded,failed");
        });
        assertOneProblem("rotator.notifications.ops.keys: no key 'main-live-payment'", c -> {
            c.put("rotator.notifications.ops.type", "slack");
            c.put("rotator.notifications.ops.url", slackUrl);
            c.put("rotator.notifications.ops.keys", "main-live-payment");
        });
        List<String> http = problems(c -> {
            c.put("rotator.security.https-only", "true");
            c.put("rotator.vault.address", "https://vault.example:8200");
            c.put("rotator.kashier.api.test-base-url", "https://test-api.kashier.io");
            c.put("rotator.dependents.checkout-api.url", "https://checkout.example/rotation");
            c.put("rotator.dependents.checkout-api.verify-url", "https://checkout.example/rotation/fingerprints");
            c.put("rotator.notifications.ops.type", "slack");
            c.put("rotator.notifications.ops.url", slackUrl.replace("https:", "http:"));
        });
        assertTrue(
                http.stream().anyMatch(p -> p.startsWith("rotator.notifications.ops.url: must be https")),
                http.toString());
        assertTrue(http.stream().noneMatch(p -> p.contains("SECRETPART")), "the Slack URL is a secret: " + http);

        Map<String, String> c = valid();
        c.put("rotator.notifications.ops.type", "slack");
        c.put("rotator.notifications.ops.url", slackUrl);
        c.put("rotator.notifications.ops.modes", "live");
        c.put("rotator.notifications.pd.type", "pagerduty");
        c.put("rotator.notifications.pd.routing-key", "R0UT1NGKEY0123456789ABCDEFGHIJKL");
        Inventory inventory = load(c);
        NotificationChannel ops = inventory.channels().get(0);
        assertEquals("ops", ops.name());
        assertTrue(ops.takes("failed", Mode.LIVE, "main-test-payment"));
        assertFalse(ops.takes("failed", Mode.TEST, "main-test-payment"), "live only");
        assertFalse(ops.toString().contains("SECRETPART"), ops.toString());
        NotificationChannel pd = inventory.channels().get(1);
        assertEquals(NotificationChannel.PAGERDUTY_EVENTS, pd.url(), "PagerDuty's endpoint by default");
        assertFalse(pd.toString().contains("R0UT1NG"), pd.toString());
    }

    @Test
    void timeZonesAreIanaIdsNamingTheEntry() {
        assertOneProblem("rotator.schedule.zone: 'Cairo' is not an IANA time zone", c -> {
            c.put("rotator.schedule.zone", "Cairo");
        });
        assertOneProblem("rotator.keys.main-test-payment.schedule.zone: 'EET+2' is not an IANA time zone", c -> {
            c.put("rotator.keys.main-test-payment.schedule.zone", "EET+2");
        });
        Map<String, String> c = valid();
        c.put("rotator.schedule.zone", "Africa/Cairo");
        c.put("rotator.schedule.blackouts", "FRI");
        Inventory inventory = load(c);
        assertEquals(java.time.ZoneId.of("Africa/Cairo"), inventory.schedule().zone());
        SchedulePolicy policy =
                inventory.key("main-test-payment").orElseThrow().schedule().orElseThrow();
        assertEquals(
                java.time.ZoneId.of("Africa/Cairo"), policy.zone(), "a key without its own zone takes the global one");
        assertEquals("FRI Africa/Cairo", policy.blackouts().get(0).toString());
        // Friday 00:30 in Cairo is Thursday 22:30 UTC in winter.
        assertTrue(policy.blackouts().get(0).covers(java.time.Instant.parse("2026-12-03T22:30:00Z")));
    }

    @Test
    void theConsolesProviderSignInNeedsItsEndpointsAndClient() {
        assertOneProblem("rotator.console.oidc.client-id: required", c -> {
            c.put("rotator.console.oidc.authorization-endpoint", "https://sso.example.com/auth");
            c.put("rotator.console.oidc.token-endpoint", "https://sso.example.com/token");
        });
        assertOneProblem("rotator.console.oidc.token-endpoint: an http(s) URL is required", c -> {
            c.put("rotator.console.oidc.authorization-endpoint", "https://sso.example.com/auth");
            c.put("rotator.console.oidc.client-id", "kkr-console");
        });
    }
}
