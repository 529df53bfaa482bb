package dev.kashierrotator.testing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.restassured.response.Response;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The packaged service ({@code target/quarkus-app/quarkus-run.jar}) as a real OS process on a free port. */
public final class ServiceProcess implements AutoCloseable {

    private final String name;
    private final int port;
    private final int managementPort;
    private final Process process;
    private Duration readyAfter;

    private ServiceProcess(String name, int port, int managementPort, Process process) {
        this.name = name;
        this.port = port;
        this.managementPort = managementPort;
        this.process = process;
    }

    /** From the launch of the JVM to the first ready answer of its readiness check (polled every 20 ms). */
    public Duration readyAfter() {
        return readyAfter;
    }

    /**
     * Settings for a packaged service (prod profile) that speaks plain http on loopback: no TLS files,
     * a plain-http listener, the API allowed over it, the simulator's http URLs allowed for live keys.
     */
    public static final Map<String, String> PLAIN_HTTP = Map.of(
            "quarkus.http.insecure-requests", "enabled",
            "rotator.security.https-only", "false",
            "rotator.security.allow-insecure-live-urls", "true",
            "quarkus.http.ssl.certificate.files", "",
            "quarkus.http.ssl.certificate.key-files", "");

    /**
     * Starts the service with these settings (system properties) and waits until it is ready, in the JVM the
     * Helm chart gives it (its options and memory limit: C1 only, SerialGC, 256 MiB of heap), as it runs in
     * production.
     */
    public static ServiceProcess start(String name, int port, Map<String, String> settings) {
        return start(name, port, settings, ChartJvm.asInThePod());
    }

    /** Starts the service with these JVM options and settings and waits until it is ready. */
    public static ServiceProcess start(String name, int port, Map<String, String> settings, List<String> jvm) {
        return start(name, port, settings, jvm, Path.of("target", "quarkus-app", "quarkus-run.jar"));
    }

    /** Starts the service packaged at {@code jar} and waits until it is ready. */
    public static ServiceProcess start(
            String name, int port, Map<String, String> settings, List<String> jvm, Path jar) {
        return start(name, port, settings, jvm, jar, null);
    }

    /**
     * Starts the packaged service in the working directory {@code dir} (where it reads a {@code .env}
     * file), or the jar's own when null, and waits until it is ready.
     */
    public static ServiceProcess start(
            String name, int port, Map<String, String> settings, List<String> jvm, Path jar, Path dir) {
        if (!Files.exists(jar)) {
            throw new IllegalStateException("no packaged service at " + jar + ": run ./mvnw verify");
        }
        Map<String, String> all = new TreeMap<>(settings);
        all.put("quarkus.http.port", Integer.toString(port));
        int management = Integer.parseInt(
                all.computeIfAbsent("quarkus.management.port", k -> Integer.toString(OpenBao.freePort())));
        // Another JDK for the service than the tests' own (a benchmark's java=...), when one is named.
        String javaHome = System.getProperty("service.java.home", System.getProperty("java.home"));
        List<String> command =
                new ArrayList<>(List.of(Path.of(javaHome, "bin", "java").toString()));
        command.addAll(jvm);
        all.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        try {
            File log = Path.of("target", "it-" + name + ".log").toAbsolutePath().toFile();
            long launched = System.nanoTime();
            Process p = SharedProcesses.owned(new ProcessBuilder(command)
                    // As the image runs it: in the application's directory (/deployments), where the archive
                    // the build made (class data sharing) finds the jar it was made from.
                    .directory((dir == null ? jar.toAbsolutePath().getParent() : dir).toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
                    .start());
            ServiceProcess service = new ServiceProcess(name, port, management, p);
            // A failed test must not leave services running after the test JVM.
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
            Http.awaitOk(
                    service.managementUrl() + "/q/health/ready",
                    p,
                    Duration.ofSeconds(90),
                    "service " + name,
                    "target/it-" + name + ".log");
            service.readyAfter = Duration.ofNanos(System.nanoTime() - launched);
            return service;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start service " + name, e);
        }
    }

    /** The service's OS process id (for its memory figures in /proc). */
    public long pid() {
        return process.pid();
    }

    /** The plain-http listener (the API, where {@link #PLAIN_HTTP} allows it). */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The management interface: health and metrics. */
    public String managementUrl() {
        return "http://127.0.0.1:" + managementPort;
    }

    public String name() {
        return name;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Starts a rotation of the key with this token; its id. */
    public String rotate(String token, String key, String reason) {
        return given().baseUri(url())
                .header("Authorization", "Bearer " + token)
                .contentType("application/json")
                .body(Map.of("reason", reason))
                .post("/api/v1/keys/{key}/rotations", key)
                .then()
                .statusCode(202)
                .extract()
                .path("id");
    }

    public Response rotation(String token, String id) {
        return given().baseUri(url()).header("Authorization", "Bearer " + token).get("/api/v1/rotations/{id}", id);
    }

    /** Polls the rotation until it ends (completed, failed, rolled back or aborted). */
    public Response awaitEnd(String token, String id, int seconds) {
        Response[] last = new Response[1];
        await().atMost(Duration.ofSeconds(seconds))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    last[0] = rotation(token, id);
                    return List.of("COMPLETED", "FAILED", "ROLLED_BACK", "ABORTED")
                            .contains((String) last[0].path("state"));
                });
        return last[0];
    }

    /** {@code kill -9}: no shutdown hook, no last write. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
