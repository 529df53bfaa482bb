package dev.kashierrotator.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

/**
 * A real OpenBao dev server (Vault's API) on a free loopback port, one per test JVM. The binary comes
 * from the project virtualenv that the build fills ({@code scripts/install-openbao.sh}) or from PATH.
 */
public final class OpenBao {

    private static OpenBao instance;

    private final Process process;
    private final String address;
    private final String rootToken;

    private OpenBao(Process process, String address, String rootToken) {
        this.process = process;
        this.address = address;
        this.rootToken = rootToken;
    }

    /** The running server, started on first use and stopped when the JVM exits. */
    public static synchronized OpenBao get() {
        if (instance == null || !instance.process.isAlive()) {
            instance = start();
            OpenBao started = instance;
            Runtime.getRuntime().addShutdownHook(new Thread(started.process::destroy));
        }
        return instance;
    }

    public String address() {
        return address;
    }

    public String rootToken() {
        return rootToken;
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
            Process p = new ProcessBuilder(binary, "server", "-dev", "-dev-root-token-id=" + token,
                    "-dev-listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            Http.awaitOk(address + "/v1/sys/health", p, Duration.ofSeconds(60), "OpenBao", "target/openbao.log");
            return new OpenBao(p, address, token);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start OpenBao from " + binary, e);
        }
    }

    static String binary() {
        String venv = System.getProperty("openbao.venv", ".venv");
        File inVenv = new File(venv, "bin/bao");
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

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
