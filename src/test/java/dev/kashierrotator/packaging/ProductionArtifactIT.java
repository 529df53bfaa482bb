package dev.kashierrotator.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.testing.ChartJvm;
import dev.kashierrotator.testing.OpenBao;
import dev.kashierrotator.testing.RotatorTestResource;
import dev.kashierrotator.testing.ServiceProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The production artifact ({@code ./mvnw package -Dproduction}) holds no code that can mint a key: none
 * of {@code src/local/java} (the Kashier simulator, its dashboard, the demo dependents) is in it, it
 * refuses {@code rotator.kashier.dashboard=simulator} at start-up naming that entry, and it serves no
 * simulator endpoint. Built here, beside the usual build, as a user would build it.
 */
class ProductionArtifactIT {

    private static final Path BUILD = Path.of("target", "production-build").toAbsolutePath();
    private static final Path APP = BUILD.resolve("quarkus-app");

    @BeforeAll
    static void buildTheProductionArtifact() throws Exception {
        List<String> command = new ArrayList<>(List.of(
                "./mvnw",
                "-B",
                "-q",
                "-o",
                "package",
                "-Dproduction",
                "-Dmaven.test.skip=true",
                "-DskipOpenbaoInstall=true",
                "-Dout.dir=" + BUILD));
        Process build = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(Path.of("target", "production-build.log").toFile())
                .start();
        assertTrue(build.waitFor(10, TimeUnit.MINUTES), "the production build did not finish in 10 minutes");
        assertEquals(0, build.exitValue(), "the production build failed; see target/production-build.log");
    }

    @Test
    void noClassOfTheLocalBuildIsInIt() throws IOException {
        Set<String> local;
        try (Stream<Path> files = Files.walk(Path.of("src", "local", "java"))) {
            local = files.filter(f -> f.toString().endsWith(".java"))
                    .map(f -> Path.of("src", "local", "java")
                            .relativize(f)
                            .toString()
                            .replace(".java", ""))
                    .collect(Collectors.toSet());
        }
        assertTrue(local.contains("dev/kashierrotator/sim/KashierSimulator"), "the list of local classes: " + local);
        List<String> classes = new ArrayList<>();
        try (Stream<Path> jars = Files.list(APP.resolve("app"))) {
            for (Path jar : jars.filter(j -> j.toString().endsWith(".jar")).toList()) {
                try (ZipFile zip = new ZipFile(jar.toFile())) {
                    zip.stream()
                            .map(e -> e.getName())
                            .filter(n -> n.endsWith(".class"))
                            .forEach(classes::add);
                }
            }
        }
        assertTrue(classes.contains("dev/kashierrotator/rotation/RotationEngine.class"), "the service is in it");
        List<String> leaked = classes.stream()
                .filter(c -> local.contains(c.replaceAll("\\$.*", "").replace(".class", "")))
                .toList();
        assertEquals(List.of(), leaked, "classes of src/local/java in the production artifact");
    }

    @Test
    void itRefusesTheSimulatorAtStartUpNamingTheEntry() throws Exception {
        Map<String, String> c = settings("prod-artifact-sim");
        // The profile that allows the simulator: this build still has none to give.
        c.put("quarkus.profile", "simulated");
        c.put("rotator.kashier.dashboard", "simulator");
        c.put("rotator.kashier.simulator.url", "http://127.0.0.1:9/sim/kashier");
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(ChartJvm.asInThePod(APP));
        c.put("quarkus.http.port", Integer.toString(OpenBao.freePort()));
        c.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", APP.resolve("quarkus-run.jar").toString()));
        Path log = Path.of("target", "it-prod-artifact-sim.log");
        Process service = new ProcessBuilder(command)
                .directory(APP.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile().getAbsoluteFile())
                .start();
        assertTrue(service.waitFor(60, TimeUnit.SECONDS), "it should stop at start-up, not run");
        assertFalse(service.exitValue() == 0, "exit status");
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(
                output.contains("rotator.kashier.dashboard=simulator, but this is the production build of the "
                        + "service, which has no simulator"),
                output);
    }

    @Test
    void inManualModeItRunsAndServesNoSimulator() throws Exception {
        Map<String, String> c = settings("prod-artifact-manual");
        try (ServiceProcess service = ServiceProcess.start(
                "prod-artifact", OpenBao.freePort(), c, List.of("-Xmx256m"), APP.resolve("quarkus-run.jar"))) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> sim = http.send(
                    HttpRequest.newBuilder(
                                    URI.create(service.url() + "/sim/kashier/test/dashboard/keys?mid=MID-7000-007"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, sim.statusCode(), "no simulator endpoint: " + sim.body());
            HttpResponse<String> keys = http.send(
                    HttpRequest.newBuilder(URI.create(service.url() + "/api/v1/keys"))
                            .header("Authorization", "Bearer prod-artifact-token")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, keys.statusCode(), keys.body());
            assertTrue(keys.body().contains("main-test-payment"), keys.body());
        }
    }

    private static Map<String, String> settings(String prefix) {
        OpenBao bao = OpenBao.get();
        Map<String, String> c = new HashMap<>(ServiceProcess.PLAIN_HTTP);
        c.put("rotator.vault.address", bao.address());
        c.put("rotator.vault.token", bao.rootToken());
        c.put("rotator.vault.key-prefix", prefix + "/keys");
        c.put("rotator.vault.state-prefix", prefix + "/state");
        c.put("rotator.bootstrap-token", "prod-artifact-token");
        c.put("rotator.kashier.dashboard", "manual");
        c.put("rotator.accounts.main.mid", "MID-7000-007");
        RotatorTestResource.key(c, "main-test-payment", "main", "test", "payment-api-key", null);
        return c;
    }
}
