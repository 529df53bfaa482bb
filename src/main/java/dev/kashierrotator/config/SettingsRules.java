package dev.kashierrotator.config;

import io.quarkus.runtime.LaunchMode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The rules of the service's own settings, apart from the inventory's (keys, dependents, rollout, schedules,
 * notifications: {@code inventory.InventoryLoader}): where Vault and Kashier are, the dashboard, the console's
 * sign-in. Each breach is added to the one collector, so start-up names every problem at once.
 */
public final class SettingsRules {

    private final ConfigurationProblems problems;
    private final UrlRules urls;
    private final boolean prodProfile;

    private SettingsRules(ConfigurationProblems problems, UrlRules urls, boolean prodProfile) {
        this.problems = problems;
        this.urls = urls;
        this.prodProfile = prodProfile;
    }

    /** Checks the settings of a service in the prod profile ({@code prodProfile}) or another. */
    public static void check(RotatorConfig config, boolean prodProfile, UrlRules urls, ConfigurationProblems problems) {
        SettingsRules rules = new SettingsRules(problems, urls, prodProfile);
        urls.httpsOrLoopback(
                "rotator.vault.address",
                config.vault()
                        .address()
                        .or(() -> ConfigProvider.getConfig().getOptionalValue("VAULT_ADDR", String.class)));
        rules.kashier(config.kashier());
        rules.consoleOidc(config.console().oidc());
        rules.managementPort(ConfigProvider.getConfig());
        rules.warmUp(config.engine());
    }

    /** The start-up rehearsal: a count that fits in memory and a bound readiness can wait out. */
    private void warmUp(RotatorConfig.Engine engine) {
        if (engine.warmUpDeliveries() < 0 || engine.warmUpDeliveries() > MAX_WARM_UP) {
            problems.add(
                    "rotator.engine.warm-up-deliveries",
                    "is " + engine.warmUpDeliveries() + "; give 0 (no rehearsal) to " + MAX_WARM_UP);
        }
        if (engine.warmUpBound().isNegative()
                || engine.warmUpBound().isZero()
                || engine.warmUpBound().compareTo(Duration.ofMinutes(5)) > 0) {
            problems.add(
                    "rotator.engine.warm-up-bound",
                    "is " + engine.warmUpBound() + "; give a duration above 0 and up to 5m (readiness waits that long"
                            + " at most)");
        }
    }

    /** The most deliveries a start-up rehearsal may make: a few hundred compile the path already. */
    static final int MAX_WARM_UP = 10_000;

    /**
     * The management interface (health probes, metrics) on a port of its own. Given the API's port, Quarkus
     * starts both servers on one socket and Vert.x answers each connection from either: a probe sees the
     * API's 404 on half its connections, and on all of them when it keeps its connection open.
     */
    private void managementPort(Config c) {
        if (!c.getOptionalValue("quarkus.management.enabled", Boolean.class).orElse(false)) {
            return;
        }
        boolean test = LaunchMode.current() == LaunchMode.TEST;
        String entry = test ? "quarkus.management.test-port" : "quarkus.management.port";
        int management = c.getOptionalValue(entry, Integer.class).orElse(test ? 9001 : 9000);
        Map<String, Integer> api = new LinkedHashMap<>();
        api.put(test ? "quarkus.http.test-port" : "quarkus.http.port", test ? 8081 : 8080);
        api.put(test ? "quarkus.http.test-ssl-port" : "quarkus.http.ssl-port", test ? 8444 : 8443);
        api.forEach((name, fallback) -> {
            if (management != 0 && c.getOptionalValue(name, Integer.class).orElse(fallback) == management) {
                problems.add(
                        entry,
                        "is " + management + ", as is " + name + "; the management interface (health probes, "
                                + "metrics) needs a port of its own");
            }
        });
    }

    private void kashier(RotatorConfig.Kashier k) {
        k.dashboard().in("rotator.kashier.dashboard", problems);
        boolean simulator = k.simulatorDashboard();
        if (simulator && !k.simulator().enabled() && k.simulator().url().isEmpty()) {
            problems.add(
                    "rotator.kashier.simulator.url",
                    "the dashboard is the simulator but this process does not "
                            + "serve it (rotator.kashier.simulator.enabled is false); give the URL of a running simulator");
        }
        if (prodProfile) {
            // The simulator makes keys Kashier never issued; a production service must never believe one.
            String standIn = "; a stand-in for Kashier (tests, scripts/try-production.sh) runs the profile "
                    + "'simulated' (-Dquarkus.profile=simulated)";
            if (simulator) {
                problems.add(
                        "rotator.kashier.dashboard",
                        "'simulator' is refused in the prod profile; set it to "
                                + "'manual' (a person changes keys at the Kashier dashboard)" + standIn);
            }
            if (k.simulator().enabled()) {
                problems.add(
                        "rotator.kashier.simulator.enabled",
                        "the Kashier simulator is refused in the prod profile; set it to false" + standIn);
            }
        }
        urls.httpUrl("rotator.kashier.api.test-base-url", Optional.of(k.api().testBaseUrl()));
        urls.httpUrl("rotator.kashier.api.live-base-url", Optional.of(k.api().liveBaseUrl()));
        urls.httpsOnly("rotator.kashier.api.live-base-url", Optional.of(k.api().liveBaseUrl()), "live mode");
        urls.httpsOrLoopback(
                "rotator.kashier.api.test-base-url", Optional.of(k.api().testBaseUrl()));
        if (urls.production() && k.simulator().enabled()) {
            // Served here it would answer, unauthenticated, whether a guessed key is valid: with the real
            // keys adopted from Vault, an oracle for live secrets.
            problems.add(
                    "rotator.kashier.simulator.enabled",
                    "the Kashier simulator must not be served with "
                            + "rotator.security.https-only (production); run it as its own process for tests");
        }
    }

    /** The console's sign-in through the provider: all three of its settings, or none. */
    private void consoleOidc(RotatorConfig.ConsoleOidc o) {
        String at = "rotator.console.oidc.";
        boolean any = o.authorizationEndpoint().isPresent()
                || o.tokenEndpoint().isPresent()
                || o.clientId().isPresent();
        if (!any) {
            return;
        }
        urls.httpUrl(at + "authorization-endpoint", o.authorizationEndpoint());
        urls.httpUrl(at + "token-endpoint", o.tokenEndpoint());
        if (o.clientId().filter(c -> !c.isBlank()).isEmpty()) {
            problems.add(at + "client-id", "required with the console's sign-in through the provider");
        }
        urls.httpsOrLoopback(at + "authorization-endpoint", o.authorizationEndpoint());
        urls.httpsOrLoopback(at + "token-endpoint", o.tokenEndpoint());
    }
}
