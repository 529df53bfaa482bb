package dev.kashierrotator.image;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kashierrotator.testing.OpenBao;
import dev.kashierrotator.testing.SelfSignedTls;
import dev.kashierrotator.util.TlsTrust;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The container image, built by {@link ImageBuild} with Jib into a tarball on an offline base (this
 * machine's own JDK, jlinked: no registry is reachable here), then looked at as a container runtime
 * would: its configuration, and the service started from its layers in a chroot as uid 185, in its working
 * directory, with the JVM required to map the class data sharing archive the build made, with the
 * TLS Secret mounted where the chart mounts it, answering readiness on http and the API on https.
 */
class ContainerImageIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theImageRunsTheServiceAsTheChartExpects() throws Exception {
        Path work = Path.of("target", "image-it").toAbsolutePath();
        // A run killed half-way may have left /proc mounted in the old root filesystem.
        new ProcessBuilder("umount", "-l", work.resolve("rootfs/proc").toString())
                .start()
                .waitFor();
        run(List.of("rm", "-rf", work.toString()));
        Files.createDirectories(work);
        Path base = work.resolve("base.tar");
        // From the JDK running the build (and this test), which made the class data sharing archive.
        run(List.of(
                "env",
                "JAVA_HOME=" + System.getProperty("java.home"),
                "bash",
                "scripts/make-offline-base.sh",
                base.toString()));

        JsonNode chart = new ObjectMapper(new YAMLFactory())
                .readTree(Path.of("helm", "kashier-key-rotator", "Chart.yaml").toFile());
        JsonNode values = new ObjectMapper(new YAMLFactory())
                .readTree(Path.of("helm", "kashier-key-rotator", "values.yaml").toFile());
        String chartDefault = values.at("/image/repository").asText() + ":"
                + chart.path("appVersion").asText();
        Path image = work.resolve("image.tar");
        ImageBuild.toTar(
                Path.of("target", "quarkus-app"),
                "tar://" + base,
                ImageBuild.NAME + ":" + chart.path("appVersion").asText(),
                image);

        // What a runtime reads: the manifest and the config.
        Path unpacked = Files.createDirectories(work.resolve("unpacked"));
        run(List.of("tar", "-xf", image.toString(), "-C", unpacked.toString()));
        JsonNode manifest =
                JSON.readTree(unpacked.resolve("manifest.json").toFile()).get(0);
        assertEquals(chartDefault, manifest.at("/RepoTags/0").asText(), "the chart's default image is this one");
        JsonNode config = JSON.readTree(
                        unpacked.resolve(manifest.path("Config").asText()).toFile())
                .path("config");
        assertEquals("185", config.path("User").asText());
        assertTrue(config.at("/ExposedPorts").has("9000/tcp")
                && config.at("/ExposedPorts").has("8443/tcp"));
        assertEquals(
                "/deployments/quarkus-run.jar",
                config.at("/Entrypoint")
                        .get(config.at("/Entrypoint").size() - 1)
                        .asText());
        assertEquals(5, manifest.path("Layers").size(), "base + lib, quarkus, app, run layers");

        if (!"0"
                .equals(new String(new ProcessBuilder("id", "-u")
                                .start()
                                .getInputStream()
                                .readAllBytes())
                        .trim())) {
            System.out.println("not root: the image's configuration was checked, the chroot run is skipped");
            return;
        }
        // The container: layers in order, /proc and the few devices a runtime provides, the TLS Secret.
        Path rootfs = Files.createDirectories(work.resolve("rootfs"));
        for (JsonNode layer : manifest.path("Layers")) {
            run(List.of("tar", "-xf", unpacked.resolve(layer.asText()).toString(), "-C", rootfs.toString()));
        }
        for (String[] dev : new String[][] {{"null", "3"}, {"random", "8"}, {"urandom", "9"}}) {
            run(List.of("mknod", "-m", "666", rootfs.resolve("dev/" + dev[0]).toString(), "c", "1", dev[1]));
        }
        SelfSignedTls tls = SelfSignedTls.create("image-it");
        Path secret = Files.createDirectories(rootfs.resolve("etc/kashier-key-rotator/tls"));
        Files.copy(tls.caPem, secret.resolve("tls.crt"));
        Files.copy(tls.keyPem, secret.resolve("tls.key"));
        run(List.of("mount", "-t", "proc", "proc", rootfs.resolve("proc").toString()));
        Process service = null;
        try {
            OpenBao bao = OpenBao.get();
            int http = OpenBao.freePort(); // the management interface: health for the probes
            int https = OpenBao.freePort();
            Map<String, String> env = new HashMap<>();
            for (JsonNode e : config.path("Env")) {
                String[] kv = e.asText().split("=", 2);
                env.put(kv[0], kv[1]);
            }
            // The chart's options, but with the archive required (-Xshare:on instead of auto): a JVM that cannot
            // map it does not start, so a start-up figure that counts on it cannot silently stop being true.
            assertTrue(env.get("JAVA_TOOL_OPTIONS")
                    .contains("-XX:SharedArchiveFile=/deployments/app-cds.jsa -Xshare:auto"));
            env.put("JAVA_TOOL_OPTIONS", env.get("JAVA_TOOL_OPTIONS").replace("-Xshare:auto", "-Xshare:on"));
            assertTrue(
                    Files.isRegularFile(rootfs.resolve("deployments/app-cds.jsa")),
                    "the image holds the archive the build made");
            env.put("QUARKUS_MANAGEMENT_PORT", Integer.toString(http));
            env.put("QUARKUS_HTTP_SSL_PORT", Integer.toString(https));
            env.put("VAULT_ADDR", bao.address());
            env.put("VAULT_TOKEN", bao.rootToken());
            env.put("ROTATOR_VAULT_KEY_PREFIX", "image-it/keys");
            env.put("ROTATOR_VAULT_STATE_PREFIX", "image-it/state");
            env.put("ROTATOR_BOOTSTRAP_TOKEN", "image-it-token");
            // As a runtime starts it: root filesystem, working directory and user from the image's config
            // (chroot(1) alone would leave the process in /, where the archive's jar is not found).
            assertEquals("/deployments", config.path("WorkingDir").asText());
            List<String> command = new ArrayList<>(List.of(
                    "python3",
                    "-c",
                    "import os, sys; os.chroot(sys.argv[1]); os.chdir(sys.argv[2]); os.setgroups([]);"
                            + " os.setgid(185); os.setuid(185); os.execvp(sys.argv[3], sys.argv[3:])",
                    rootfs.toString(),
                    config.path("WorkingDir").asText()));
            config.path("Entrypoint").forEach(a -> command.add(a.asText()));
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(work.resolve("service.log").toFile());
            pb.environment().clear();
            pb.environment().putAll(env);
            service = pb.start();
            Process running = service;
            HttpClient plain = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions()
                    .until(() -> {
                        assertTrue(running.isAlive(), "the service exited; see target/image-it/service.log");
                        return plain.send(
                                                HttpRequest.newBuilder(URI.create(
                                                                "http://127.0.0.1:" + http + "/q/health/ready"))
                                                        .build(),
                                                HttpResponse.BodyHandlers.discarding())
                                        .statusCode()
                                == 200;
                    });
            HttpClient trusting = HttpClient.newBuilder()
                    .sslContext(TlsTrust.load(tls.caPem.toString()).orElseThrow())
                    .build();
            HttpResponse<String> whoami = await().atMost(Duration.ofSeconds(20))
                    .ignoreExceptions()
                    .until(
                            () -> trusting.send(
                                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + https + "/api/v1/whoami"))
                                            .header("Authorization", "Bearer image-it-token")
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString()),
                            r -> true);
            assertEquals(200, whoami.statusCode(), whoami.body());
            String log = Files.readString(work.resolve("service.log"));
            assertTrue(
                    log.lines().anyMatch(l -> l.startsWith("{") && l.contains("\"message\"")),
                    "JSON log lines in the image's prod profile");
        } finally {
            if (service != null) {
                service.destroy();
                service.waitFor(20, TimeUnit.SECONDS);
                service.destroyForcibly();
            }
            run(List.of("umount", "-l", rootfs.resolve("proc").toString()));
        }
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        File log = Path.of("target", "image-it-commands.log").toFile();
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
                .start();
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed; see " + log);
        }
    }
}
