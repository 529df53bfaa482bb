package dev.kashierrotator.testing;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A real Kubernetes control plane on loopback, one per test JVM: etcd, kube-apiserver (RBAC on, a token
 * file for the admin, its own service-account signing key), kube-controller-manager and kube-scheduler, with
 * kwok as the one node (pods scheduled on it become Running and Ready without containers; a pod labelled
 * {@link #NEVER_READY} stays unready). Binaries from {@code scripts/install-kube.sh} (the build runs it) in
 * {@code .kube-tools/bin}; each process is stopped by its PID when the JVM exits, and its log is kept under
 * {@code target/kube/}.
 */
public final class KubeControlPlane {

    /** A pod with this label (any value) is Running but never Ready: a rollout that never completes. */
    public static final String NEVER_READY = "kashier-rotator.test/never-ready";

    private static final Path TOOLS = Path.of(System.getProperty("kube.tools", ".kube-tools"));
    private static KubeControlPlane instance;

    private final Path dir;
    private final String adminToken = "admin-" + UUID.randomUUID();
    private final List<Process> processes = new ArrayList<>();
    private final int etcdPort = OpenBao.freePort();
    private final int apiPort = OpenBao.freePort();
    private Process apiServer;

    private KubeControlPlane(Path dir) {
        this.dir = dir;
    }

    /** Whether the build could make the binaries (no Go on the machine: it could not, and said so). */
    public static boolean available() {
        return Files.exists(TOOLS.resolve("ready"));
    }

    /** The running control plane, started on first use and stopped when the JVM exits. */
    public static synchronized KubeControlPlane get() {
        if (instance == null) {
            try {
                Path dir = Files.createDirectories(Path.of("target", "kube").toAbsolutePath());
                KubeControlPlane started = new KubeControlPlane(Files.createTempDirectory(dir, "cluster-"));
                Runtime.getRuntime().addShutdownHook(new Thread(started::stop));
                started.start();
                instance = started;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    /** The API server's address. */
    public String server() {
        return "https://127.0.0.1:" + apiPort;
    }

    /** The API server's self-signed certificate: the CA a client trusts. */
    public Path caFile() {
        return dir.resolve("pki").resolve("apiserver.crt");
    }

    /** The folder of this control plane's files (kubeconfig, keys, logs of the processes). */
    public Path dir() {
        return dir;
    }

    /** A kubeconfig file for the cluster's admin (system:masters). */
    public Path adminKubeconfig() {
        return dir.resolve("admin.kubeconfig");
    }

    /** A client acting as the cluster's admin. */
    public KubernetesClient admin() {
        return client(adminToken);
    }

    /** A client acting with this bearer token. */
    public KubernetesClient client(String token) {
        Config config = new ConfigBuilder()
                .withMasterUrl(server())
                .withCaCertFile(caFile().toString())
                .withOauthToken(token)
                .withRequestTimeout(20_000)
                .build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** A token of this ServiceAccount (the TokenRequest API, as a projected token in a pod is). */
    public String tokenFor(String namespace, String serviceAccount) {
        try (KubernetesClient k = admin()) {
            return k.serviceAccounts()
                    .inNamespace(namespace)
                    .withName(serviceAccount)
                    .tokenRequest(new TokenRequestBuilder()
                            .withNewSpec()
                            .withExpirationSeconds(3600L)
                            .endSpec()
                            .build())
                    .getStatus()
                    .getToken();
        }
    }

    /** Stops the API server and starts it again on the same port and store (an upgrade, a crash). */
    public synchronized void restartApiServer() {
        apiServer.destroy();
        try {
            apiServer.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        processes.remove(apiServer);
        startApiServer();
    }

    /** Stops the API server only; {@link #startApiServer()} brings it back. */
    public synchronized void stopApiServer() {
        apiServer.destroyForcibly();
        try {
            apiServer.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        processes.remove(apiServer);
    }

    /** Runs the tests' Helm against this cluster; returns what it printed, throws when it fails. */
    public String helm(String... args) {
        Result r = helmResult(args);
        if (r.exit() != 0) {
            throw new IllegalStateException(
                    "helm " + String.join(" ", args) + " failed (" + r.exit() + "):\n" + r.out());
        }
        return r.out();
    }

    /** What a command printed and its exit code. */
    public record Result(int exit, String out) {}

    /** Runs the tests' Helm against this cluster, whatever its exit code. */
    public Result helmResult(String... args) {
        List<String> command = new ArrayList<>(List.of(
                TOOLS.resolve("bin").resolve("helm").toAbsolutePath().toString(),
                "--kubeconfig",
                adminKubeconfig().toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        // Helm's own caches and settings stay inside this cluster's folder.
        pb.environment().put("HELM_CACHE_HOME", dir.resolve("helm/cache").toString());
        pb.environment().put("HELM_CONFIG_HOME", dir.resolve("helm/config").toString());
        pb.environment().put("HELM_DATA_HOME", dir.resolve("helm/data").toString());
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("helm " + String.join(" ", args) + " did not end");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void start() throws IOException {
        Files.createDirectories(dir.resolve("pki"));
        writeServiceAccountKeys();
        Files.writeString(dir.resolve("tokens.csv"), adminToken + ",admin,admin-uid,\"system:masters\"\n");
        int peer = OpenBao.freePort();
        Process etcd = launch(
                "etcd",
                List.of(
                        "--name=test",
                        "--data-dir=" + dir.resolve("etcd"),
                        "--listen-client-urls=http://127.0.0.1:" + etcdPort,
                        "--advertise-client-urls=http://127.0.0.1:" + etcdPort,
                        "--listen-peer-urls=http://127.0.0.1:" + peer,
                        "--initial-advertise-peer-urls=http://127.0.0.1:" + peer,
                        "--initial-cluster=test=http://127.0.0.1:" + peer,
                        "--unsafe-no-fsync=true",
                        "--log-level=warn"));
        Http.awaitOk(
                "http://127.0.0.1:" + etcdPort + "/health",
                etcd,
                Duration.ofSeconds(60),
                "etcd",
                dir.resolve("etcd.log").toString());
        startApiServer();
        writeKubeconfig();
        launch(
                "kube-controller-manager",
                List.of(
                        "--kubeconfig=" + adminKubeconfig(),
                        "--leader-elect=false",
                        "--bind-address=127.0.0.1",
                        "--secure-port=" + OpenBao.freePort(),
                        "--service-account-private-key-file=" + dir.resolve("sa.key"),
                        "--root-ca-file=" + caFile(),
                        "--use-service-account-credentials=false",
                        // No kubelets, no cloud: the controllers that need them stay off. The node lifecycle
                        // controller would judge kwok's node by kubelet heartbeats and mark its pods not ready.
                        "--controllers=*,-nodeipam,-nodelifecycle,-persistentvolume-binder,-attachdetach,"
                                + "-persistentvolume-expander"));
        launch(
                "kube-scheduler",
                List.of(
                        "--kubeconfig=" + adminKubeconfig(),
                        "--leader-elect=false",
                        "--bind-address=127.0.0.1",
                        "--secure-port=" + OpenBao.freePort()));
        Path stages = dir.resolve("kwok-stages.yaml");
        try (InputStream in = KubeControlPlane.class.getResourceAsStream("/kube/kwok-stages.yaml")) {
            Files.write(stages, in.readAllBytes());
        }
        launch(
                "kwok",
                List.of(
                        "--kubeconfig=" + adminKubeconfig(),
                        "--config=" + stages,
                        "--manage-all-nodes=false",
                        "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                        "--node-ip=10.0.0.1",
                        "--cidr=10.0.0.1/24",
                        "--server-address=127.0.0.1:" + OpenBao.freePort()));
        try (KubernetesClient k = admin()) {
            k.nodes()
                    .resource(new NodeBuilder()
                            .withNewMetadata()
                            .withName("kwok-node-0")
                            .addToAnnotations("kwok.x-k8s.io/node", "fake")
                            .addToLabels("kubernetes.io/hostname", "kwok-node-0")
                            .addToLabels("kubernetes.io/os", "linux")
                            .addToLabels("kubernetes.io/arch", "amd64")
                            .addToLabels("type", "kwok")
                            .endMetadata()
                            .withNewStatus()
                            .addToAllocatable("cpu", new Quantity("32"))
                            .addToAllocatable("memory", new Quantity("256Gi"))
                            .addToAllocatable("pods", new Quantity("110"))
                            .addToCapacity("cpu", new Quantity("32"))
                            .addToCapacity("memory", new Quantity("256Gi"))
                            .addToCapacity("pods", new Quantity("110"))
                            .endStatus()
                            .build())
                    .create();
            awaitUntil(
                    Duration.ofSeconds(60),
                    "node kwok-node-0 Ready and namespace default's ServiceAccount made",
                    () -> k.nodes().withName("kwok-node-0").get().getStatus().getConditions().stream()
                                    .anyMatch(c -> c.getType().equals("Ready")
                                            && c.getStatus().equals("True"))
                            && k.serviceAccounts()
                                            .inNamespace("default")
                                            .withName("default")
                                            .get()
                                    != null);
        }
    }

    /** Starts (or starts again) the API server on its port, and waits until it is ready. */
    public synchronized void startApiServer() {
        apiServer = launch(
                "kube-apiserver",
                List.of(
                        "--etcd-servers=http://127.0.0.1:" + etcdPort,
                        "--bind-address=127.0.0.1",
                        "--advertise-address=127.0.0.1",
                        "--secure-port=" + apiPort,
                        "--cert-dir=" + dir.resolve("pki"),
                        "--token-auth-file=" + dir.resolve("tokens.csv"),
                        "--authorization-mode=RBAC",
                        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                        "--service-account-key-file=" + dir.resolve("sa.pub"),
                        "--service-account-signing-key-file=" + dir.resolve("sa.key"),
                        "--service-cluster-ip-range=10.96.0.0/16",
                        // With the advertise address on loopback the endpoint reconciler would fight itself.
                        "--endpoint-reconciler-type=none",
                        "--enable-priority-and-fairness=false",
                        // A new node is tainted not-ready until the node lifecycle controller (off) clears it.
                        "--disable-admission-plugins=TaintNodesByCondition"));
        awaitUntil(
                Duration.ofSeconds(90), "kube-apiserver ready (log: " + dir.resolve("kube-apiserver.log") + ")", () -> {
                    if (!apiServer.isAlive()) {
                        throw new IllegalStateException(
                                "kube-apiserver exited; see " + dir.resolve("kube-apiserver.log"));
                    }
                    return ready();
                });
    }

    private boolean ready() {
        try {
            HttpResponse<String> r = insecure()
                    .send(
                            HttpRequest.newBuilder(URI.create(server() + "/readyz"))
                                    .header("Authorization", "Bearer " + adminToken)
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Only to ask the API server whether it is ready, before its certificate exists to be trusted. */
    private static HttpClient insecure() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(
                    null,
                    new TrustManager[] {
                        new X509TrustManager() {
                            @Override
                            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

                            @Override
                            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

                            @Override
                            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                                return new java.security.cert.X509Certificate[0];
                            }
                        }
                    },
                    null);
            return HttpClient.newBuilder().sslContext(ctx).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private Process launch(String binary, List<String> args) {
        List<String> command = new ArrayList<>(
                List.of(TOOLS.resolve("bin").resolve(binary).toAbsolutePath().toString()));
        command.addAll(args);
        try {
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            dir.resolve(binary + ".log").toFile()))
                    .start();
            Files.writeString(dir.resolve(binary + ".pid"), p.pid() + "\n");
            processes.add(p);
            SharedProcesses.keep("kube-" + binary, p);
            return p;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + binary + " (run scripts/install-kube.sh)", e);
        }
    }

    private void stop() {
        List<Process> all = new ArrayList<>(processes);
        java.util.Collections.reverse(all);
        for (Process p : all) {
            p.destroy();
        }
        for (Process p : all) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void writeServiceAccountKeys() throws IOException {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            KeyPair pair = g.generateKeyPair();
            Files.writeString(
                    dir.resolve("sa.key"), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
            Files.writeString(
                    dir.resolve("sa.pub"), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private void writeKubeconfig() throws IOException {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("server", server());
        v.put("ca", caFile().toString());
        v.put("token", adminToken);
        Files.writeString(adminKubeconfig(), """
                apiVersion: v1
                kind: Config
                clusters:
                - name: test
                  cluster:
                    server: %s
                    certificate-authority: %s
                users:
                - name: admin
                  user:
                    token: %s
                contexts:
                - name: test
                  context:
                    cluster: test
                    user: admin
                current-context: test
                """.formatted(v.get("server"), v.get("ca"), v.get("token")));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    /** Polls until the condition holds (exceptions count as "not yet"), or fails naming what it waited for. */
    public static void awaitUntil(Duration max, String what, java.util.concurrent.Callable<Boolean> condition) {
        Instant deadline = Instant.now().plus(max);
        Exception last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return;
                }
            } catch (IllegalStateException e) {
                throw e;
            } catch (Exception e) {
                last = e;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("timed out after " + max.toSeconds() + " s waiting for " + what
                + (last == null ? "" : " (last: " + last + ")"));
    }
}
