package dev.kashierrotator.rotation;

import com.sun.net.httpserver.HttpServer;
import dev.kashierrotator.testing.FlakyProxy;
import dev.kashierrotator.testing.OpenBao;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The test world at its limits: short leases (1.5 s), Vault reached through a proxy the tests can cut
 * or stall and with a token of the service's own that a test can have Vault refuse, Kashier's API answering 503 (the dashboard, the simulator, still works), and keys whose
 * rotations outnumber the old worker pool.
 */
public class LimitsWorld extends RotatorTestResource {

    /** In front of OpenBao for the service only; the tests themselves reach OpenBao directly. */
    public static final FlakyProxy VAULT =
            FlakyProxy.to(URI.create(OpenBao.get().address()).getPort());

    public static final List<String> LEASE_KEYS =
            List.of("lease-0", "lease-1", "lease-2", "lease-3", "lease-4", "lease-5");
    private static HttpServer kashierDown;

    @Override
    public Map<String, String> start() {
        Map<String, String> c = new HashMap<>(super.start());
        c.put("rotator.vault.address", VAULT.url());
        c.put("rotator.vault.token", serviceToken());
        c.put("rotator.vault.timeout-seconds", "2");
        c.put("rotator.engine.lease-ttl", "1500ms");
        c.put("rotator.engine.step-backoff", "100ms");
        c.put("rotator.engine.instance-id", "replica-a");
        c.put("rotator.kashier.api.test-base-url", kashierDown() + "/sim/kashier/test");
        for (String id : LEASE_KEYS) {
            key(c, id, "second", "test", "payment-api-key", "300ms");
            webhook(c, id + "-hook", 0, List.of(id), "inline", id + "-secret", id + "-secret")
                    .confirmAfter(Duration.ofSeconds(4));
        }
        key(c, "outage-secret", "second", "test", "secret-key", null);
        c.put("rotator.keys.outage-secret.user", "svc-outage");
        webhook(c, "outage-hook", 0, List.of("outage-secret"), "inline", "outage-secret-s", "outage-secret-s");
        key(c, "stranded-secret", "second", "test", "secret-key", null);
        c.put("rotator.keys.stranded-secret.user", "svc-stranded");
        webhook(c, "stranded-ok", 0, List.of("stranded-secret"), "inline", "stranded-ok-s", "stranded-ok-s");
        webhook(c, "stranded-broken", 1, List.of("stranded-secret"), "inline", "stranded-broken-s", "stranded-broken-s")
                .failWith(500);
        key(c, "vaultless-secret", "second", "test", "secret-key", null);
        c.put("rotator.keys.vaultless-secret.user", "svc-vaultless");
        webhook(c, "vaultless-hook", 0, List.of("vaultless-secret"), "inline", "vaultless-s", "vaultless-s");
        key(c, "sup-pay", "second", "test", "payment-api-key", "1h");
        webhook(c, "sup-hook", 0, List.of("sup-pay"), "inline", "sup-secret", "sup-secret");
        return c;
    }

    /** What the service's token may do: everything, until a test takes it away. */
    private static final String POLICY = "limits-world";

    /**
     * A token of the service's own (not the root token, which no policy can limit), so that a test can have
     * Vault refuse it: {@link #vaultRefusesTheService}.
     */
    private static String serviceToken() {
        allowTheService();
        return io.restassured.path.json.JsonPath.from(OpenBao.get()
                        .api(
                                "POST",
                                "auth/token/create",
                                "{\"policies\":[\"" + POLICY + "\"],\"no_default_policy\":true,\"ttl\":\"24h\"}"))
                .getString("auth.client_token");
    }

    /**
     * Vault answers the service's token 403 on every path, {@code lookup-self} included (the token has no
     * default policy, which would keep that one open), as it does a token it never issued.
     */
    public static void vaultRefusesTheService() {
        policy("path \"*\" { capabilities = [\"deny\"] }");
    }

    /** The service's token may do everything again. */
    public static void allowTheService() {
        policy("path \"*\" { capabilities = [\"create\", \"read\", \"update\", \"patch\", \"delete\", \"list\", "
                + "\"sudo\"] }");
    }

    private static void policy(String rules) {
        OpenBao.get()
                .api(
                        "PUT",
                        "sys/policies/acl/" + POLICY,
                        "{\"policy\":" + new com.fasterxml.jackson.databind.node.TextNode(rules) + "}");
    }

    /** Kashier's API during an outage: 503 to everything. */
    private static synchronized String kashierDown() {
        if (kashierDown == null) {
            try {
                kashierDown = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            kashierDown.createContext("/", exchange -> {
                exchange.sendResponseHeaders(503, -1);
                exchange.close();
            });
            kashierDown.start();
        }
        return "http://127.0.0.1:" + kashierDown.getAddress().getPort();
    }

    /** Profile selecting this world. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(LimitsWorld.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }
}
