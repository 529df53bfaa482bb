package dev.kashierrotator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.sim.DemoDependent;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The world the service runs in during tests: a real OpenBao, real webhook dependents on free ports,
 * and an inventory that wires them together.
 */
public class RotatorTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String TOKEN = "test-bootstrap-token";

    /** The name of the world of this class itself (subclasses are worlds of their own, by class name). */
    public static final String DEFAULT_WORLD = "default";

    private final List<WorldPart> parts = new java.util.ArrayList<>();

    /** Which {@link WorldPart}s join this world. */
    protected String world() {
        return getClass() == RotatorTestResource.class
                ? DEFAULT_WORLD
                : getClass().getSimpleName();
    }

    /** Adds the parts of this world ({@link WorldPart}) to the settings a subclass has made. */
    private Map<String, String> withParts(Map<String, String> c) {
        for (WorldPart part : java.util.ServiceLoader.load(WorldPart.class, WorldPart.class.getClassLoader())) {
            if (part.world().equals(world())) {
                part.addTo(c);
                parts.add(part);
            }
        }
        return c;
    }

    @Override
    public Map<String, String> start() {
        OpenBao bao = OpenBao.get();
        Map<String, String> c = new HashMap<>();
        c.put("rotator.vault.address", bao.address());
        c.put("rotator.vault.token", bao.rootToken());
        c.put("rotator.bootstrap-token", TOKEN);
        c.put("rotator.audit.denied-window", "1s");
        c.put("rotator.audit.hmac-key", "test-audit-signing-key");
        for (String role : List.of("viewer", "operator", "oncall", "admin")) {
            c.put("rotator.security.tokens." + role + "-user.sha256", sha256(role + "-token"));
            c.put("rotator.security.tokens." + role + "-user.role", role);
        }
        role(c, "test-operator", "keys:read,rotations:read,rotations:create", "test", "ci-smoke");
        // May pause, but only test keys: a pause holds every mode's keys, so it is refused.
        role(c, "test-pauser", "keys:read,schedule:pause", "test", "test-pauser");
        role(c, "live-viewer", "keys:read,rotations:read", "live", "live-viewer");
        role(c, "live-auditor", "audit:read", "live", "live-auditor");
        c.put("rotator.security.jwt.enabled", "true");
        // Inline rather than mp.jwt.verify.publickey.location: in test mode Quarkus generates a verification key
        // when none is configured at build time, and that inline key would win over a location.
        c.put("mp.jwt.verify.publickey", TestJwt.publicKeyPem());
        c.put("mp.jwt.verify.issuer", TestJwt.ISSUER);
        c.put("mp.jwt.verify.audiences", TestJwt.AUDIENCE);
        // No live-mode key rotates in these tests: its API sits on a closed port, to show the probe's fault tolerance.
        // Port 9 (discard): privileged, so no server of these tests binds it. A "free" port picked here and
        // released was a race: a dependent started right after could be given it, and answer as Kashier.
        c.put("rotator.kashier.api.live-base-url", "http://127.0.0.1:9/sim/kashier/live");

        c.put("rotator.accounts.main.mid", "MID-1000-001");
        c.put("rotator.accounts.second.mid", "MID-2000-002");
        key(c, "pay-e2e", "main", "test", "payment-api-key", "3s");
        key(c, "secret-e2e", "main", "test", "secret-key", null);
        c.put("rotator.keys.secret-e2e.user", "svc-a");
        key(c, "pay-canary-fails", "main", "test", "payment-api-key", "1s");
        key(c, "pay-conflict", "second", "test", "payment-api-key", "1h");
        key(c, "pay-badsig", "second", "test", "payment-api-key", "1s");
        key(c, "live-secret", "main", "live", "secret-key", null);
        c.put("rotator.keys.live-secret.user", "svc-live");
        key(c, "live-alt", "main", "live", "secret-key", null);
        c.put("rotator.keys.live-alt.strategy", "alternating-users");
        c.put("rotator.keys.live-alt.users", "live-blue,live-green");
        c.put("rotator.keys.pay-e2e.schedule.every", "90d");
        for (String id : List.of("sched-due", "sched-busy", "sched-blackout")) {
            key(c, id, "main", "test", "payment-api-key", id.equals("sched-busy") ? "1h" : "200ms");
            c.put("rotator.keys." + id + ".schedule.every", "30d");
        }
        c.put("rotator.keys.sched-due.schedule.window", "2h");
        key(c, "sched-fails", "main", "test", "payment-api-key", "200ms");
        c.put("rotator.keys.sched-fails.schedule.every", "60d");
        // Rotated 60 days less 5 minutes ago: due soon after start, in real time, like the failures it meets.
        String value = java.util.UUID.randomUUID().toString();
        bao.api(
                "POST",
                "secret/data/kashier/sched-fails",
                "{\"data\": {\"key\": \"" + value + "\", \"fingerprint\": \""
                        + dev.kashierrotator.rotation.Fingerprints.of(value) + "\", \"rotatedAt\": \""
                        + java.time.Instant.now()
                                .minus(java.time.Duration.ofDays(60))
                                .plus(java.time.Duration.ofMinutes(5))
                        + "\"}}");
        // Kept out of the other scheduler tests, which tick a month ahead.
        c.put(
                "rotator.keys.sched-fails.schedule.blackouts",
                java.time.Instant.now()
                                .plus(java.time.Duration.ofDays(29))
                                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                        + "/"
                        + java.time.Instant.now()
                                .plus(java.time.Duration.ofDays(32))
                                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        // Scheduled rotations start only from the ticks the tests run themselves.
        c.put("rotator.schedule.tick", "1h");
        webhook(c, "sched-broken", 0, List.of("sched-fails"), "inline", "sched-broken-secret", "sched-broken-secret")
                .failWith(500);
        c.put("rotator.keys.sched-blackout.schedule.blackouts", "MON-SUN");
        vaultKv(c, "sched-kv", 0, "apps/sched", List.of("sched-due", "sched-busy", "sched-blackout"));
        key(c, "crash-pay", "second", "test", "payment-api-key", "300ms");
        key(c, "crash-secret", "second", "test", "secret-key", null);
        c.put("rotator.keys.crash-secret.user", "svc-crash");
        key(c, "crash-alt", "second", "test", "secret-key", null);
        c.put("rotator.keys.crash-alt.strategy", "alternating-users");
        c.put("rotator.keys.crash-alt.users", "crash-one,crash-two");

        c.put("rotator.rollout.soak", "100ms");
        c.put("rotator.rollout.max-concurrency", "4");
        c.put("rotator.rollout.verify-timeout", "5s");
        c.put("rotator.rollout.delivery-attempts", "3");
        c.put("rotator.rollout.call-timeout", "2s");

        webhook(c, "canary", 0, List.of("pay-e2e", "secret-e2e"), "inline", "canary-secret", "canary-secret");
        DemoDependent fleet = webhook(
                c, "fleet-hook", 1, List.of("pay-e2e", "secret-e2e"), "reference", "fleet-secret", "fleet-secret");
        fleet.vaultReader((path, version) -> readVault(bao, path, version));
        vaultKv(c, "fleet-kv", 1, "apps/fleet", List.of("pay-e2e", "secret-e2e"));

        webhook(c, "broken-canary", 0, List.of("pay-canary-fails"), "inline", "broken-secret", "broken-secret")
                .failWith(500);
        webhook(c, "after-broken", 1, List.of("pay-canary-fails"), "inline", "after-secret", "after-secret");

        webhook(
                c,
                "crash-hook",
                0,
                List.of("crash-pay", "crash-secret", "crash-alt"),
                "inline",
                "crash-hook-secret",
                "crash-hook-secret");
        vaultKv(c, "crash-kv", 1, "apps/crash", List.of("crash-pay", "crash-secret", "crash-alt"));

        key(c, "emergency-pay", "main", "test", "payment-api-key", "1h");
        key(c, "emergency-revoke", "main", "test", "payment-api-key", "1h");
        for (int i = 0; i < 10; i++) {
            webhook(
                    c,
                    "fleet-" + i,
                    i < 3 ? 0 : i < 6 ? 1 : 2,
                    List.of("emergency-pay", "emergency-revoke"),
                    "inline",
                    "fleet-secret-" + i,
                    "fleet-secret-" + i);
        }

        key(c, "abort-pay", "second", "test", "payment-api-key", "1h");
        key(c, "abort-grace", "second", "test", "payment-api-key", "1h");
        key(c, "abort-secret", "second", "test", "secret-key", null);
        c.put("rotator.keys.abort-secret.user", "svc-abort");
        webhook(
                c,
                "abort-canary",
                0,
                List.of("abort-pay", "abort-grace", "abort-secret"),
                "inline",
                "abort-canary-secret",
                "abort-canary-secret");
        webhook(c, "abort-slow", 1, List.of("abort-pay"), "inline", "abort-slow-secret", "abort-slow-secret")
                .confirmAfter(java.time.Duration.ofSeconds(30));
        vaultKv(c, "abort-kv", 0, "apps/abort", List.of("abort-pay", "abort-grace"));

        key(c, "alt-secret", "second", "test", "secret-key", null);
        c.put("rotator.keys.alt-secret.strategy", "alternating-users");
        c.put("rotator.keys.alt-secret.users", "svc-blue,svc-green");
        webhook(c, "alt-app", 0, List.of("alt-secret"), "inline", "alt-app-secret", "alt-app-secret");
        webhook(c, "alt-later", 1, List.of("alt-secret"), "reference", "alt-later-secret", "alt-later-secret")
                .vaultReader((path, version) -> readVault(bao, path, version));

        for (String id : List.of("fleet-pay", "fleet-pay-down", "fleet-tolerant")) {
            key(c, id, "second", "test", "payment-api-key", "300ms");
        }
        c.put("rotator.keys.fleet-tolerant.rollout.failure-threshold", "5%");
        for (int i = 0; i < 100; i++) {
            String id = String.format("big-%03d", i);
            webhook(
                    c,
                    id,
                    i < 5 ? 0 : i < 50 ? 1 : 2,
                    List.of("fleet-pay", "fleet-pay-down", "fleet-tolerant"),
                    "inline",
                    "secret-" + id,
                    "secret-" + id);
        }

        key(c, "breaker-pay", "second", "test", "payment-api-key", "1s");
        webhook(c, "breaker-hook", 0, List.of("breaker-pay"), "inline", "breaker-secret", "breaker-secret")
                .failWith(500);

        tlsAndRedirects(c);

        key(c, "list-pay", "main", "test", "payment-api-key", "200ms");
        vaultKv(c, "list-kv", 0, "apps/list", List.of("list-pay"));
        key(c, "pending-pay", "main", "test", "payment-api-key", "200ms");
        vaultKv(c, "pending-kv", 0, "apps/pending", List.of("pending-pay"));

        key(c, "audit-pay", "main", "test", "payment-api-key", "1h");
        vaultKv(c, "audit-kv", 0, "apps/audit", List.of("audit-pay"));

        vaultKv(c, "conflict-kv", 0, "apps/conflict", List.of("pay-conflict"));

        hostileDependents(c);

        // Two waves with a long soak between them: nothing waits it out on a thread.
        key(c, "soak-pay", "second", "test", "payment-api-key", "300ms");
        c.put("rotator.keys.soak-pay.rollout.soak", "30s");
        webhook(c, "soak-first", 0, List.of("soak-pay"), "inline", "soak-secret", "soak-secret");
        webhook(c, "soak-second", 1, List.of("soak-pay"), "inline", "soak-secret", "soak-secret");

        // A dependent that answers deliveries with the fingerprints it uses (no verify call needed).
        key(c, "answer-pay", "second", "test", "payment-api-key", "300ms");
        webhook(c, "answer-hook", 0, List.of("answer-pay"), "inline", "answer-secret", "answer-secret")
                .reportInAnswer(true);

        // The reference receivers of docs/verifiers, one per wave, as real dependents of one key.
        key(c, "ref-pay", "second", "test", "payment-api-key", "300ms");
        int wave = 0;
        for (ReferenceReceivers.Receiver r : ReferenceReceivers.get().values()) {
            String at = "rotator.dependents.ref-" + r.language() + ".";
            c.put(at + "keys", "ref-pay");
            c.put(at + "wave", Integer.toString(wave++));
            c.put(at + "type", "webhook");
            c.put(at + "url", r.url());
            c.put(at + "verify-url", r.verifyUrl());
            c.put(at + "signing-secret", r.secret());
            c.put(at + "delivery", "inline");
        }

        key(c, "race-pay", "second", "test", "payment-api-key", "300ms");
        webhook(c, "race-hook", 0, List.of("race-pay"), "inline", "race-secret", "race-secret");
        vaultKv(c, "race-kv", 1, "apps/race", List.of("race-pay"));
        key(c, "blip-pay", "second", "test", "payment-api-key", "300ms");
        webhook(c, "blip-hook", 0, List.of("blip-pay"), "inline", "blip-secret", "blip-secret");
        webhook(c, "blip-later", 1, List.of("blip-pay"), "inline", "blip-later-secret", "blip-later-secret");
        key(c, "late-pay", "second", "test", "payment-api-key", "300ms");
        c.put("rotator.keys.late-pay.rollout.call-timeout", "1s");
        webhook(c, "late-hook", 0, List.of("late-pay"), "inline", "late-secret", "late-secret")
                .answerAfter(java.time.Duration.ofMillis(1500));
        webhook(
                        c,
                        "late-broken",
                        0,
                        List.of("late-pay", "stuck-pay"),
                        "inline",
                        "late-broken-secret",
                        "late-broken-secret")
                .failWith(500);
        key(c, "stuck-pay", "second", "test", "payment-api-key", "300ms");
        webhook(c, "stuck-hook", 0, List.of("stuck-pay"), "inline", "stuck-secret", "stuck-secret")
                .ignoreRollbacks(true);

        // Configured with one secret, while the dependent checks another: its deliveries must be refused.
        webhook(
                c,
                "badsig-hook",
                0,
                List.of("pay-badsig"),
                "inline",
                "not-the-dependents-secret",
                "the-dependents-secret");
        return withParts(c);
    }

    /** SHA-256 hex of a token, as operators put it in the config ({@code echo -n token | sha256sum}). */
    public static String sha256(String token) {
        try {
            return java.util.HexFormat.of()
                    .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                            .digest(token.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An inventory key (grace may be null for the default). */
    public static void key(Map<String, String> c, String id, String account, String mode, String kind, String grace) {
        c.put("rotator.keys." + id + ".account", account);
        c.put("rotator.keys." + id + ".mode", mode);
        c.put("rotator.keys." + id + ".kind", kind);
        if (grace != null) {
            c.put("rotator.keys." + id + ".grace", grace);
        }
    }

    /**
     * A vault-kv dependent receiving the keys at {@code <path>/<keyId>}, confirmed by reading them back
     * (no consuming service in these tests; {@code VaultConsumerTest} has them).
     */
    public static void vaultKv(Map<String, String> c, String id, int wave, String path, List<String> keys) {
        String at = "rotator.dependents." + id + ".";
        c.put(at + "keys", String.join(",", keys));
        c.put(at + "wave", Integer.toString(wave));
        c.put(at + "type", "vault-kv");
        c.put(at + "path", path);
        c.put(at + "confirm", "read-back");
    }

    public static DemoDependent webhook(
            Map<String, String> c,
            String id,
            int wave,
            List<String> keys,
            String delivery,
            String configuredSecret,
            String dependentSecret) {
        DemoDependent d = Dependents.get(id, dependentSecret);
        String at = "rotator.dependents." + id + ".";
        c.put(at + "keys", String.join(",", keys));
        c.put(at + "wave", Integer.toString(wave));
        c.put(at + "type", "webhook");
        c.put(at + "url", d.url());
        c.put(at + "verify-url", d.verifyUrl());
        c.put(at + "signing-secret", configuredSecret);
        c.put(at + "delivery", delivery);
        return d;
    }

    /** How a Vault-integrated dependent fetches a key by reference: its own read of path and version. */
    public static Optional<String> readVault(OpenBao bao, String path, long version) {
        try {
            HttpResponse<byte[]> r = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(
                                            bao.address() + "/v1/secret/data/" + path + "?version=" + version))
                                    .header("X-Vault-Token", bao.rootToken())
                                    .build(),
                            HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                return Optional.empty();
            }
            JsonNode key = new ObjectMapper()
                    .readTree(r.body())
                    .path("data")
                    .path("data")
                    .path("key");
            return key.isTextual() ? Optional.of(key.asText()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** https dependents (trusted through a CA bundle, or not at all) and one that redirects. */
    private static void tlsAndRedirects(Map<String, String> c) {
        SelfSignedTls tls = SelfSignedTls.create("dependents");
        key(c, "tls-pay", "second", "test", "payment-api-key", "300ms");
        key(c, "tls-untrusted-pay", "second", "test", "payment-api-key", "300ms");
        key(c, "redirect-pay", "second", "test", "payment-api-key", "300ms");
        Dependents.start("tls-trusted", () -> DemoDependent.startTls("tls-trusted", "tls-secret", tls.server));
        Dependents.start("tls-untrusted", () -> DemoDependent.startTls("tls-untrusted", "tls-secret", tls.server));
        webhook(c, "tls-trusted", 0, List.of("tls-pay"), "inline", "tls-secret", "tls-secret");
        c.put(
                "rotator.dependents.tls-trusted.ca-bundle",
                tls.caPem.toAbsolutePath().toString());
        webhook(c, "tls-untrusted", 0, List.of("tls-untrusted-pay"), "inline", "tls-secret", "tls-secret");
        DemoDependent target = Dependents.get("redirect-target", "redirect-secret");
        webhook(c, "redirector", 0, List.of("redirect-pay"), "inline", "redirect-secret", "redirect-secret")
                .redirectTo(target.url());
    }

    /** The hostile webhook dependents, one key each, with their calls bounded by a 1 s call-timeout. */
    public static final List<String> HOSTILE = List.of(
            "stall-deliver",
            "stall-verify",
            "drip-verify",
            "silent-tls",
            "reset-deliver",
            "huge-verify",
            "late-deliver");

    private static void hostileDependents(Map<String, String> c) {
        for (String name : HOSTILE) {
            HostileServer.Behaviour behaviour = switch (name.substring(0, name.indexOf('-'))) {
                case "stall" -> HostileServer.Behaviour.STALL_AFTER_HEADERS;
                case "drip" -> HostileServer.Behaviour.DRIP;
                case "silent" -> HostileServer.Behaviour.SILENT;
                case "reset" -> HostileServer.Behaviour.RESET;
                case "huge" -> HostileServer.Behaviour.HUGE_BODY;
                default -> HostileServer.Behaviour.LATE;
            };
            String method = name.endsWith("-deliver") ? "POST" : name.endsWith("-verify") ? "GET" : null;
            HostileServer server = HostileServer.named(name, behaviour, method, java.time.Duration.ofSeconds(3));
            String keyId = "hostile-" + name;
            key(c, keyId, "second", "test", "payment-api-key", "300ms");
            c.put("rotator.keys." + keyId + ".rollout.call-timeout", "1s");
            c.put("rotator.keys." + keyId + ".rollout.verify-timeout", "2s");
            String at = "rotator.dependents." + keyId + "-hook.";
            c.put(at + "keys", keyId);
            c.put(at + "wave", "0");
            c.put(at + "type", "webhook");
            boolean tls = behaviour == HostileServer.Behaviour.SILENT;
            c.put(at + "url", tls ? server.httpsUrl("/hook") : server.url("/hook"));
            c.put(at + "verify-url", tls ? server.httpsUrl("/verify") : server.url("/verify"));
            c.put(at + "signing-secret", "hostile-secret");
            c.put(at + "delivery", "inline");
        }
    }

    /** Adds the Kubernetes world: keys whose dependent is a Secret read by a Deployment. */
    public static void kubernetes(Map<String, String> c) {
        key(c, "k8s-pay", "second", "test", "payment-api-key", "300ms");
        key(c, "k8s-pay-2", "second", "test", "payment-api-key", "300ms");
        c.put("rotator.kubernetes.restart-debounce", "1s");
        c.put("rotator.dependents.billing.keys", "k8s-pay,k8s-pay-2");
        c.put("rotator.dependents.billing.type", "kubernetes-secret");
        c.put("rotator.dependents.billing.namespace", "billing");
        c.put("rotator.dependents.billing.secret", "kashier-keys");
        c.put("rotator.dependents.billing.restart", "billing-worker");
        c.put("rotator.dependents.billing.wave", "0");
    }

    /** A custom role and a token named {@code subject} for it, presented as {@code <role>-token}. */
    private static void role(Map<String, String> c, String role, String permissions, String modes, String subject) {
        c.put("rotator.security.roles." + role + ".permissions", permissions);
        c.put("rotator.security.roles." + role + ".modes", modes);
        c.put("rotator.security.tokens." + subject + ".sha256", sha256(role + "-token"));
        c.put("rotator.security.tokens." + subject + ".role", role);
    }

    /**
     * The world ends with its application: its dependents and its OpenBao stop, so that a test JVM holds one
     * world's servers at a time. The reference receivers are shared by every world ({@link ReferenceReceivers}).
     */
    @Override
    public void stop() {
        parts.forEach(WorldPart::stop);
        parts.clear();
        Dependents.stopAll();
        HostileServer.stopAllNamed();
        OpenBao.stopShared();
    }
}
