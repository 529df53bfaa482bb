package dev.kashierrotator.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.rotation.Fingerprints;
import dev.kashierrotator.testing.ChartJvm;
import dev.kashierrotator.testing.OpenBao;
import dev.kashierrotator.testing.ServiceProcess;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark (not a test): one payment-key rotation fanning out to N webhook dependents, each taking
 * 20 ms to answer a delivery (its verify URL answers at once: it reads what it holds), at
 * max-concurrency 64 and soak 0, against the packaged service run with the Helm chart's JVM settings,
 * real OpenBao and a loopback "fleet" server (one path per dependent, signature checked). With
 * {@code canary}, dependent 0 is wave 0 and the others wave 1. Reports the ROLLOUT step's time against
 * the ideal (20 ms rounds), the service's heap, and its resident memory after start and at its peak.
 * Run: {@code ./mvnw -Pbench -DskipTests package exec:exec -Dbench.main=dev.kashierrotator.rollout.FanOutBenchmark
 * -Dbench.args="1000"} (or {@code -Dbench.args="100 canary"}).
 */
public final class FanOutBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> HELD = new ConcurrentHashMap<>();
    private static final AtomicLong BAD_SIGNATURES = new AtomicLong();
    private static final long POLL_MS = Long.getLong("bench.poll", 500);

    private FanOutBenchmark() {}

    public static void main(String[] given) throws Exception {
        // -Dbench.args="100 canary" arrives as one argument.
        String[] args = String.join(" ", given).trim().split("\\s+");
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        boolean canary = args.length > 1 && args[1].equals("canary");
        // The fleet: one Vert.x event loop serving every dependent, each answering its delivery 20 ms later
        // on a timer (no thread held), so the fleet costs the shared two cores as little as real remote
        // dependents would.
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        io.vertx.core.http.HttpServer fleet = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1"))
                .requestHandler(FanOutBenchmark::handle)
                .listen(0)
                .toCompletionStage()
                .toCompletableFuture()
                .get();
        String base = "http://127.0.0.1:" + fleet.actualPort() + "/d/";

        StringBuilder yaml = new StringBuilder("rotator:\n  rollout:\n    soak: 0s\n    max-concurrency: 64\n"
                + "    verify-timeout: 60s\n  accounts:\n    bench:\n      mid: MID-9999-002\n"
                + "  keys:\n    fan-pay:\n      account: bench\n      mode: test\n      kind: payment-api-key\n"
                + "      grace: 0s\n  dependents:\n");
        for (int i = 0; i < n; i++) {
            yaml.append("    d")
                    .append(i)
                    .append(":\n      keys: [fan-pay]\n      wave: ")
                    .append(canary && i > 0 ? 1 : 0)
                    .append("\n      type: webhook\n")
                    .append("      url: ")
                    .append(base)
                    .append(i)
                    .append("/rotation\n")
                    .append("      verify-url: ")
                    .append(base)
                    .append(i)
                    .append("/fingerprints\n")
                    .append("      signing-secret: s")
                    .append(i)
                    .append('\n');
        }
        Path config = Files.createTempFile("fanout", ".yaml");
        Files.writeString(config, yaml);

        OpenBao bao = OpenBao.get();
        int port = OpenBao.freePort();
        String sim = "http://127.0.0.1:" + port + "/sim/kashier";
        Map<String, String> settings = new java.util.HashMap<>(ServiceProcess.PLAIN_HTTP);
        settings.put("quarkus.profile", "simulated");
        settings.putAll(Map.of(
                "quarkus.config.locations",
                config.toUri().toString(),
                "rotator.vault.address",
                bao.address(),
                "rotator.vault.token",
                bao.rootToken(),
                "rotator.vault.key-prefix",
                "bench-" + System.nanoTime(),
                "rotator.bootstrap-token",
                "bench",
                "rotator.kashier.dashboard",
                "simulator",
                "rotator.kashier.simulator.enabled",
                "true",
                "rotator.kashier.simulator.url",
                sim,
                "rotator.kashier.api.test-base-url",
                sim + "/test"));
        List<String> jvm = new java.util.ArrayList<>(ChartJvm.asInThePod());
        if (java.util.Arrays.asList(args).contains("jfr")) {
            // A CPU profile of the service: jfr print --events jdk.ExecutionSample target/fanout.jfr
            jvm.add("-XX:StartFlightRecording=filename=target/fanout.jfr,settings=profile");
        }
        try (ServiceProcess service = ServiceProcess.start("fanout", port, settings, jvm)) {
            HttpClient http = HttpClient.newHttpClient();
            long heapBefore = heap(http, service);
            long rssAfterStart = procStatus(service.pid(), "VmRSS");
            // Ideal: rounds of 20 ms, 64 dependents at a time, wave after wave.
            long rounds = canary ? 1 + (n - 1 + 63) / 64 : (n + 63) / 64;
            long ideal = rounds * 20;
            int runs = java.util.Arrays.stream(args)
                    .filter(a -> a.startsWith("runs="))
                    .findFirst()
                    .map(a -> Integer.parseInt(a.substring(5)))
                    .orElse(3);
            long peak = heapBefore;
            List<Long> rollouts = new java.util.ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                long cpu0 = cpuMillis(service.pid());
                long fleetCpu0 = cpuMillis(ProcessHandle.current().pid());
                Instant t0 = Instant.now();
                JsonNode started = JSON.readTree(http.send(
                                HttpRequest.newBuilder(URI.create(service.url() + "/api/v1/keys/fan-pay/rotations"))
                                        .header("Authorization", "Bearer bench")
                                        .header("Content-Type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"bench\"}"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body());
                String id = started.path("id").asText();
                JsonNode r;
                while (true) {
                    peak = Math.max(peak, heap(http, service));
                    r = JSON.readTree(http.send(
                                    HttpRequest.newBuilder(URI.create(service.url() + "/api/v1/rotations/" + id))
                                            .header("Authorization", "Bearer bench")
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body());
                    String state = r.path("state").asText();
                    if (state.equals("COMPLETED") || state.equals("FAILED") || state.equals("ROLLED_BACK")) {
                        break;
                    }
                    // Not too often: each look reads the whole record (a thousand dependents) from Vault and
                    // serialises it, which would load the service being measured.
                    Thread.sleep(POLL_MS);
                }
                long total = Duration.between(t0, Instant.now()).toMillis();
                long cpu = cpuMillis(service.pid()) - cpu0;
                long fleetCpu = cpuMillis(ProcessHandle.current().pid()) - fleetCpu0;
                JsonNode rollout = null;
                for (JsonNode s : r.path("steps")) {
                    if (s.path("name").asText().equals("ROLLOUT")) {
                        rollout = s;
                    }
                }
                long rolloutMs = Duration.between(
                                Instant.parse(rollout.path("startedAt").asText()),
                                Instant.parse(rollout.path("endedAt").asText()))
                        .toMillis();
                rollouts.add(rolloutMs);
                StringBuilder waves = new StringBuilder();
                Instant mark = Instant.parse(rollout.path("startedAt").asText());
                for (JsonNode w : r.path("waves")) {
                    Instant ws = Instant.parse(w.path("startedAt").asText());
                    Instant we = Instant.parse(w.path("endedAt").asText());
                    waves.append(String.format(
                            " +%d ms, wave %d: %d ms;",
                            Duration.between(mark, ws).toMillis(),
                            w.path("index").asInt(),
                            Duration.between(ws, we).toMillis()));
                    mark = we;
                }
                waves.append(String.format(
                        " +%d ms to the step's end",
                        Duration.between(
                                        mark,
                                        Instant.parse(rollout.path("endedAt").asText()))
                                .toMillis()));
                long confirmed = 0;
                for (JsonNode w : r.path("waves")) {
                    for (JsonNode d : w.path("dependents")) {
                        confirmed += d.path("state").asText().equals("CONFIRMED") ? 1 : 0;
                    }
                }
                System.out.printf(
                        "run %d%s: fan-out to %d webhook dependents (%s; deliveries answered after 20 ms, "
                                + "max-concurrency 64, soak 0): %s; ROLLOUT step %d ms = %.1f x the ideal %d ms (%d rounds); "
                                + "POST to final state %d ms; %d confirmed, %d bad signatures; CPU used by the service "
                                + "%d ms, by the fleet and this client %d ms (%d cores)%n",
                        run,
                        run == 1 ? " (first after start)" : "",
                        n,
                        canary ? "a canary, then " + (n - 1) : "one wave",
                        r.path("state").asText(),
                        rolloutMs,
                        rolloutMs / (double) ideal,
                        ideal,
                        rounds,
                        total,
                        confirmed,
                        BAD_SIGNATURES.get(),
                        cpu,
                        fleetCpu,
                        Runtime.getRuntime().availableProcessors());
                System.out.println("  where the ROLLOUT step's time went:" + waves);
            }
            System.gc();
            Thread.sleep(500);
            long heapAfter = heap(http, service);
            long peakRss = procStatus(service.pid(), "VmHWM");
            List<Long> later =
                    new java.util.ArrayList<>(rollouts.subList(Math.min(1, rollouts.size() - 1), rollouts.size()));
            java.util.Collections.sort(later);
            long median = later.get(later.size() / 2);
            System.out.printf(
                    "ROLLOUT: first run %d ms (%.1f x ideal); the %d later runs: median %d ms (%.1f x ideal), best %d ms, "
                            + "worst %d ms%n",
                    rollouts.get(0),
                    rollouts.get(0) / (double) ideal,
                    later.size(),
                    median,
                    median / (double) ideal,
                    later.get(0),
                    later.get(later.size() - 1));
            System.out.printf(
                    "service heap used: before %d MiB, peak during %d MiB, after %d MiB; resident: "
                            + "%d MiB after start, peak %d MiB (JVM: %s)%n",
                    heapBefore >> 20,
                    peak >> 20,
                    heapAfter >> 20,
                    rssAfterStart >> 10,
                    peakRss >> 10,
                    String.join(" ", jvm));
        } finally {
            vertx.close();
            Files.deleteIfExists(config);
            System.exit(0);
        }
    }

    /** User and system CPU time a process used so far, from /proc/<pid>/stat (clock ticks of 10 ms). */
    private static long cpuMillis(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    }

    /** A figure in kB from /proc/<pid>/status (VmRSS: resident now; VmHWM: the most it ever was). */
    private static long procStatus(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no " + field + " for process " + pid);
    }

    private static long heap(HttpClient http, ServiceProcess service) throws Exception {
        String metrics = http.send(
                        HttpRequest.newBuilder(URI.create(service.managementUrl() + "/q/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        double sum = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return (long) sum;
    }

    private static void handle(HttpServerRequest request) {
        String[] parts = request.path().split("/");
        String id = parts[2];
        if (parts.length > 3 && parts[3].equals("fingerprints")) {
            String key = HELD.get(id);
            request.response()
                    .putHeader("Content-Type", "application/json")
                    .end("{\"keys\":{" + (key == null ? "" : "\"fan-pay\":\"" + Fingerprints.of(key) + "\"") + "}}");
            return;
        }
        String signature = request.getHeader("X-Rotator-Signature");
        request.body().onSuccess(buffer -> {
            byte[] body = buffer.getBytes();
            if (!Signatures.verify("s" + id, signature, body, java.time.Instant.now())) {
                BAD_SIGNATURES.incrementAndGet();
                request.response().setStatusCode(401).end();
                return;
            }
            String key;
            try {
                key = JSON.readTree(body).path("key").asText();
            } catch (IOException e) {
                request.response().setStatusCode(400).end();
                return;
            }
            HELD.put(id, key);
            // Taking the key takes the dependent 20 ms. Then, as docs/webhook-protocol.md allows, the answer
            // says what the verify URL would now say.
            Vertx.currentContext()
                    .owner()
                    .setTimer(
                            20,
                            t -> request.response()
                                    .putHeader("Content-Type", "application/json")
                                    .end("{\"keys\":{\"fan-pay\":\"" + Fingerprints.of(key) + "\"}}"));
        });
    }
}
