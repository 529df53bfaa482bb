package dev.kashierrotator.testing;

import dev.kashierrotator.sim.DemoDependent;
import java.util.HashMap;
import java.util.Map;

/**
 * Several service processes on one OpenBao, the way replicas run in Kubernetes: a simulator process
 * that stands in for Kashier (and outlives the replicas it serves) and replicas that share its inventory.
 */
public final class Cluster implements AutoCloseable {

    public static final String TOKEN = "it-token";

    private final OpenBao bao = OpenBao.get();
    private final ServiceProcess kashier;
    private final Map<String, String> inventory = new HashMap<>();

    /** Starts the Kashier simulator process. {@code prefix} keeps this test's Vault paths apart. */
    public Cluster(String prefix) {
        int simPort = OpenBao.freePort();
        String sim = "http://127.0.0.1:" + simPort + "/sim/kashier";
        Map<String, String> s = base(prefix + "-sim");
        s.put("rotator.kashier.dashboard", "simulator");
        // Its dashboard is itself, found from its own port (no rotator.kashier.simulator.url).
        s.put("rotator.kashier.simulator.enabled", "true");
        this.kashier = ServiceProcess.start(prefix + "-kashier", simPort, s);
        inventory.putAll(base(prefix));
        inventory.put("rotator.kashier.dashboard", "simulator");
        inventory.put("rotator.kashier.simulator.url", sim);
        inventory.put("rotator.kashier.api.test-base-url", sim + "/test");
        inventory.put("rotator.kashier.api.live-base-url", sim + "/live");
        inventory.put("rotator.engine.lease-ttl", "2s");
        inventory.put("rotator.engine.resume-interval", "1s");
        inventory.put("rotator.engine.step-backoff", "100ms");
        inventory.put("rotator.rollout.soak", "0s");
        inventory.put("rotator.rollout.verify-timeout", "30s");
    }

    private Map<String, String> base(String prefix) {
        Map<String, String> c = new HashMap<>();
        c.put("rotator.vault.address", bao.address());
        c.put("rotator.vault.token", bao.rootToken());
        c.put("rotator.vault.key-prefix", prefix + "/keys");
        c.put("rotator.vault.state-prefix", prefix + "/state");
        c.put("rotator.bootstrap-token", TOKEN);
        // The prod profile's settings with the simulator allowed (the prod profile refuses it); these
        // processes speak plain http on loopback.
        c.put("quarkus.profile", "simulated");
        c.putAll(ServiceProcess.PLAIN_HTTP);
        return c;
    }

    /** The simulator's base URL ({@code .../sim/kashier}). */
    public String kashierUrl() {
        return kashier.url() + "/sim/kashier";
    }

    public OpenBao bao() {
        return bao;
    }

    public Cluster set(String key, String value) {
        inventory.put(key, value);
        return this;
    }

    /** Adds a payment API key of account {@code main} in test mode. */
    public Cluster paymentKey(String id, String mid, String grace) {
        set("rotator.accounts.main.mid", mid);
        set("rotator.keys." + id + ".account", "main");
        set("rotator.keys." + id + ".mode", "test");
        set("rotator.keys." + id + ".kind", "payment-api-key");
        return set("rotator.keys." + id + ".grace", grace);
    }

    /** Adds a webhook dependent of the key, served by a real dependent in this JVM. */
    public Cluster webhook(String id, String keyId, int wave, DemoDependent d, String secret) {
        String at = "rotator.dependents." + id + ".";
        set(at + "keys", keyId);
        set(at + "wave", Integer.toString(wave));
        set(at + "type", "webhook");
        set(at + "url", d.url());
        set(at + "verify-url", d.verifyUrl());
        set(at + "signing-secret", secret);
        return set(at + "delivery", "inline");
    }

    /** Adds a kubernetes-secret dependent of the key, restarting these workloads (comma-separated). */
    public Cluster kubernetesSecret(String id, String keyId, String namespace, String secret, String restart) {
        String at = "rotator.dependents." + id + ".";
        set(at + "keys", keyId);
        set(at + "wave", "0");
        set(at + "type", "kubernetes-secret");
        set(at + "namespace", namespace);
        set(at + "secret", secret);
        return set(at + "restart", restart);
    }

    /** Points the replicas' Kubernetes client at this API server, trusting this CA, with this token. */
    public Cluster kubernetesApi(String url, java.nio.file.Path caFile, String token) {
        set("quarkus.kubernetes-client.master-url", url);
        set("quarkus.kubernetes-client.ca-cert-file", caFile.toString());
        return set("quarkus.kubernetes-client.token", token);
    }

    /** Starts a replica with the shared inventory. */
    public ServiceProcess replica(String name) {
        Map<String, String> c = new HashMap<>(inventory);
        c.put("rotator.engine.instance-id", name);
        return ServiceProcess.start(name, OpenBao.freePort(), c);
    }

    @Override
    public void close() {
        kashier.close();
    }
}
