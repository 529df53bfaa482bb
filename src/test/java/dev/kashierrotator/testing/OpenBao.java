package dev.kashierrotator.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A real OpenBao dev server (Vault's API) on a free loopback port: one per test world (a Quarkus test
 * profile's application, stopped with it by {@link #stopShared()}) or per plain test JVM. The binary comes
 * from the project virtualenv that the build fills ({@code scripts/install-openbao.sh}) or from PATH.
 */
public final class OpenBao {

    private static OpenBao instance;

    private final Process process;
    private final String address;
    private final String rootToken;
    /** The CA of a server over TLS; null for plain http. */
    private final Path caFile;

    private OpenBao(Process process, String address, String rootToken, Path caFile) {
        this.process = process;
        this.address = address;
        this.rootToken = rootToken;
        this.caFile = caFile;
    }

    /**
     * The running server, started on first use; stopped by {@link #stopShared()} (a test world's end) or
     * else when the JVM exits.
     */
    public static synchronized OpenBao get() {
        if (instance == null || !instance.process.isAlive()) {
            instance = start();
            OpenBao started = instance;
            SharedProcesses.keep("openbao", started.process);
            Runtime.getRuntime().addShutdownHook(new Thread(started.process::destroy));
        }
        return instance;
    }

    /**
     * Stops the server {@link #get()} started, if any, and waits for it to exit: a test world's Vault ends
     * with its world (the next profile's application starts on a fresh one, as its simulator does).
     */
    public static synchronized void stopShared() {
        if (instance != null) {
            SharedProcesses.stop(instance.process);
            instance = null;
        }
    }

    public String address() {
        return address;
    }

    public String rootToken() {
        return rootToken;
    }

    /**
     * Another dev server, for one test: over TLS with a CA of its own ({@link #caFile()}), as a Vault
     * outside the cluster is; stop it with {@link #kill()}.
     */
    public static OpenBao startTls(String name) {
        int port = freePort();
        String token = "root-" + UUID.randomUUID();
        Path dir = Path.of("target", "openbao-tls-" + name).toAbsolutePath();
        try {
            Files.createDirectories(dir);
            Path log = dir.resolve("openbao.log");
            Process p = new ProcessBuilder(
                            binary(),
                            "server",
                            "-dev",
                            "-dev-tls",
                            "-dev-tls-cert-dir=" + dir,
                            "-dev-root-token-id=" + token,
                            "-dev-listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            SharedProcesses.owned(p);
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
            OpenBao bao = new OpenBao(p, "https://127.0.0.1:" + port, token, dir.resolve("vault-ca.pem"));
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions()
                    .until(() -> {
                        if (!p.isAlive()) {
                            throw new AssertionError("OpenBao (TLS) exited; see " + log);
                        }
                        return bao.api("GET", "sys/health", null).contains("\"initialized\":true");
                    });
            return bao;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start OpenBao over TLS", e);
        }
    }

    /** The CA that signed a TLS server's certificate ({@link #startTls}). */
    public Path caFile() {
        return caFile;
    }

    /** Stops the server, as a Vault outage would. */
    public void kill() {
        process.destroyForcibly();
    }

    private static OpenBao start() {
        String binary = binary();
        int port = freePort();
        String token = "root-" + UUID.randomUUID();
        String address = "http://127.0.0.1:" + port;
        try {
            Path log = Path.of("target", "openbao.log");
            Files.createDirectories(log.getParent());
            Process p = new ProcessBuilder(
                            binary,
                            "server",
                            "-dev",
                            "-dev-root-token-id=" + token,
                            "-dev-listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            Http.awaitOk(address + "/v1/sys/health", p, Duration.ofSeconds(60), "OpenBao", "target/openbao.log");
            return new OpenBao(p, address, token, null);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start OpenBao from " + binary, e);
        }
    }

    static String binary() {
        String venv = System.getProperty("openbao.venv");
        if (venv != null) {
            return installed(venv);
        }
        File inVenv = new File(".venv", "bin/bao");
        if (inVenv.canExecute()) {
            return inVenv.getAbsolutePath();
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File f = new File(dir, "bao");
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        throw new IllegalStateException("no OpenBao binary: run scripts/install-openbao.sh (the Maven build does)");
    }

    /**
     * Under the Maven build, which starts {@code scripts/install-openbao.sh} in the background before the unit
     * tests: the binary that script answers, once it has finished (run again, it waits for the first on its
     * lock, then answers at once). Asked once per test JVM: kept in a system property, as each test profile
     * loads this class again.
     */
    private static synchronized String installed(String venv) {
        String known = System.getProperty("kkr.test.openbao-binary");
        if (known != null) {
            return known;
        }
        try {
            Process install = new ProcessBuilder("bash", "scripts/install-openbao.sh", venv)
                    .redirectErrorStream(true)
                    .start();
            byte[] out;
            try (var stdout = install.getInputStream()) {
                // Bounded: a cold install downloads the package; nothing here waits forever.
                var reading = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return stdout.readAllBytes();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                if (!install.waitFor(10, java.util.concurrent.TimeUnit.MINUTES)) {
                    install.destroyForcibly();
                    throw new IllegalStateException("scripts/install-openbao.sh did not finish in 10 minutes");
                }
                out = reading.get(10, java.util.concurrent.TimeUnit.SECONDS);
            }
            String[] lines = new String(out, java.nio.charset.StandardCharsets.UTF_8)
                    .strip()
                    .split("\n");
            String binary = lines[lines.length - 1].strip();
            if (install.exitValue() != 0 || !new File(binary).canExecute()) {
                throw new IllegalStateException("scripts/install-openbao.sh failed (exit " + install.exitValue() + "): "
                        + String.join(" | ", lines));
            }
            System.setProperty("kkr.test.openbao-binary", binary);
            return binary;
        } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot run scripts/install-openbao.sh", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for scripts/install-openbao.sh", e);
        }
    }

    /**
     * One call to OpenBao's HTTP API with the root token, as an operator's {@code bao} command would
     * make it; returns the body, throws on an error status.
     */
    public String api(String method, String path, String jsonBody) {
        return api(null, method, path, jsonBody);
    }

    /** The same, in a Vault namespace ({@code X-Vault-Namespace}); null for the root namespace. */
    public String api(String namespace, String method, String path, String jsonBody) {
        return call(rootToken(), namespace, method, path, jsonBody);
    }

    /** One call with another token (a consumer's, limited by its policy); throws on an error status. */
    public String as(String token, String method, String path, String jsonBody) {
        return call(token, null, method, path, jsonBody);
    }

    private String call(String token, String namespace, String method, String path, String jsonBody) {
        try {
            java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(address() + "/v1/" + path))
                    .header("X-Vault-Token", token);
            if (namespace != null) {
                b.header("X-Vault-Namespace", namespace);
            }
            b.method(
                    method,
                    jsonBody == null
                            ? java.net.http.HttpRequest.BodyPublishers.noBody()
                            : java.net.http.HttpRequest.BodyPublishers.ofString(jsonBody));
            java.net.http.HttpClient.Builder client = java.net.http.HttpClient.newBuilder();
            if (caFile != null) {
                client.sslContext(
                        dev.kashierrotator.util.TlsTrust.load(caFile.toString()).orElseThrow());
            }
            java.net.http.HttpResponse<String> r =
                    client.build().send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 400) {
                throw new IllegalStateException(method + " " + path + " -> HTTP " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Ports handed out by {@link #freePort} in this class's life. */
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    /**
     * A loopback port free now and never handed out before by this JVM's tests. The kernel may give the same
     * free port twice in a row, before the first taker has bound it: a service asked for its API and its
     * management interface on one port then starts (Vert.x shares the socket) and answers each connection
     * from either server, so its readiness answered 404 for 90 s in a CI run (KkrIT; README, "Measured").
     */
    public static int freePort() {
        while (true) {
            try (ServerSocket s = new ServerSocket(0)) {
                s.setReuseAddress(true);
                if (GIVEN.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
