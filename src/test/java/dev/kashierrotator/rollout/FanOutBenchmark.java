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
 * Benchmark (not a test): rotations fanning out to N webhook dependents, each taking 20 ms to answer a
 * delivery, at max-concurrency 64 and soak 0, against the packaged service run with the Helm chart's JVM
 * options, real OpenBao and a loopback "fleet" server (one path per dependent, signature checked). Half
 * the dependents answer with an empty {@code 200} and are then polled once at their verify URL, the other
 * half answer with the fingerprint they now use ({@code answers=empty} or {@code answers=fingerprint} for
 * one kind only). With {@code canary}, dependent 0 is wave 0 and the others wave 1. A fresh service is
 * started for each of {@code services} (default 3), so that each first rotation after start is measured,
 * then {@code rotations} (default 6) rotations in all are run on it. With {@code secret}, the key is a
 * single-user secret key (its change kills the old key) and the exposure window is reported. Reports the
 * ROLLOUT step's time against the ideal (20 ms rounds), start-up to ready, and the service's memory.
 * {@code java=<JDK home>} runs the service on another JDK, each {@code jvm=<option>} is added to its options.
 * Run: {@code ./mvnw -Pbench -DskipTests package exec:exec -Dbench.main=dev.kashierrotator.rollout.FanOutBenchmark
 * -Dbench.args="1000"} (or {@code "100 canary"}, {@code "100 secret"}, {@code "2 services=5 rotations=1"}).
 */
public final class FanOutBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> HELD = new ConcurrentHashMap<>();
    private static final AtomicLong BAD_SIGNATURES = new AtomicLong();
    private static final long POLL_MS = Long.getLong("bench.poll", 200);
    /** Which dependents answer a delivery with their fingerprint (the others with an empty 200). */
    private static volatile String answers = "mixed";

    private FanOutBenchmark() {}

    public static void main(String[] given) throws Exception {
        // -Dbench.args="100 canary" arrives as one argument.
        List<String> args = List.of(String.join(" ", given).trim().split("\\s+"));
        int n = args.isEmpty() || args.get(0).isEmpty() ? 1000 : Integer.parseInt(args.get(0));
        boolean canary = args.contains("canary");
        boolean secret = args.contains("secret");
        int services = option(args, "services", 3);
        int rotations = option(args, "rotations", 6);
        answers = args.stream()
                .filter(a -> a.startsWith("answers="))
                .findFirst()
                .map(a -> a.substring("answers=".length()))
                .orElse("mixed");
        String key = secret ? "fan-secret" : "fan-pay";
        // The fleet: one Vert.x event loop serving every dependent, each answering its delivery 20 ms later
        // on a timer (no thread held), so the fleet costs the shared two cores as little as real remote
        // dependents would.
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(option(args, "loops", 1)));
        io.vertx.core.http.HttpServer fleet = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1"))
                .requestHandler(r -> handle(r, key))
                .listen(0)
                .toCompletionStage()
                .toCompletableFuture()
                .get();
        String base = "http://127.0.0.1:" + fleet.actualPort() + "/d/";
        // The fleet's own JIT warmed first: else the first service's first rotation pays for it too.
        warmFleet(base);

        StringBuilder yaml = new StringBuilder("rotator:\n  rollout:\n    soak: 0s\n    max-concurrency: 64\n"
                + "    verify-timeout: 60s\n  accounts:\n    bench:\n      mid: MID-9999-002\n"
                + "  keys:\n    "
                + key
                + ":\n      account: bench\n      mode: test\n"
                + (secret
                        ? "      kind: secret-key\n      strategy: single-user\n      user: bench-user\n"
                        : "      kind: payment-api-key\n      grace: 0s\n")
                + "  dependents:\n");
        for (int i = 0; i < n; i++) {
            yaml.append("    d")
                    .append(i)
                    .append(":\n      keys: [")
                    .append(key)
                    .append("]\n      wave: ")
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
        List<String> jvm = new java.util.ArrayList<>(ChartJvm.asInThePod());
        // java=<JDK home> runs the service on another JDK; each jvm=<option> is added to the chart's options
        // (an AOT cache to make or use, say: jvm=-XX:AOTCacheOutput=target/app.aot).
        args.stream()
                .filter(a -> a.startsWith("java="))
                .findFirst()
                .ifPresent(a -> System.setProperty("service.java.home", a.substring("java=".length())));
        if (args.stream().anyMatch(a -> a.startsWith("jvm=-XX:AOTCache"))) {
            // JDK 25's AOT cache replaces the chart's AppCDS options (the JVM refuses both at once).
            jvm.removeIf(o -> o.startsWith("-XX:SharedArchiveFile") || o.startsWith("-Xshare"));
        }
        args.stream().filter(a -> a.startsWith("jvm=")).forEach(a -> jvm.add(a.substring("jvm=".length())));
        if (args.contains("jfr")) {
            // A CPU profile of the service: jfr print --events jdk.ExecutionSample target/fanout.jfr
            jvm.add("-XX:StartFlightRecording=filename=target/fanout.jfr,settings=profile");
        }
        // Ideal: rounds of 20 ms, 64 dependents at a time, wave after wave.
        long rounds = canary ? 1 + (n - 1 + 63) / 64 : (n + 63) / 64;
        long ideal = rounds * 20;
        List<Long> firsts = new java.util.ArrayList<>();
        List<Long> later = new java.util.ArrayList<>();
        List<Long> exposures = new java.util.ArrayList<>();
        List<Long> firstExposures = new java.util.ArrayList<>();
        List<Long> ready = new java.util.ArrayList<>();
        List<Long> firstCpu = new java.util.ArrayList<>();
        List<Long> laterCpu = new java.util.ArrayList<>();
        long rssAfterStart = 0;
        long peakRss = 0;
        long heapPeak = 0;
        try {
            for (int s = 1; s <= services; s++) {
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
                HELD.clear();
                try (ServiceProcess service = ServiceProcess.start("fanout", port, settings, jvm)) {
                    ready.add(service.readyAfter().toMillis());
                    HttpClient http = HttpClient.newHttpClient();
                    rssAfterStart = Math.max(rssAfterStart, procStatus(service.pid(), "VmRSS"));
                    for (int run = 1; run <= rotations; run++) {
                        long[] heap = {heapPeak};
                        long cpuBefore = cpuMillis(service.pid());
                        Map<String, Long> threadsBefore = threadCpu(service.pid());
                        JsonNode r = rotate(http, service, key, heap);
                        long cpu = cpuMillis(service.pid()) - cpuBefore;
                        (run == 1 ? firstCpu : laterCpu).add(cpu);
                        Map<String, Long> threadsAfter = threadCpu(service.pid());
                        StringBuilder byThread = new StringBuilder();
                        long live = 0;
                        for (Map.Entry<String, Long> e : threadsAfter.entrySet()) {
                            long d = e.getValue() - threadsBefore.getOrDefault(e.getKey(), 0L);
                            live += d;
                            if (d >= 10) {
                                byThread.append(' ')
                                        .append(e.getKey())
                                        .append(' ')
                                        .append(d)
                                        .append(';');
                            }
                        }
                        System.out.printf(
                                "service %d, rotation %d: the service's CPU %d ms (user + system):%s threads ended "
                                        + "meanwhile %d%n",
                                s, run, cpu, byThread, cpu - live);
                        heapPeak = heap[0];
                        long rolloutMs = report(r, s, run, n, canary, ideal, rounds);
                        Long exposure = r.path("exposureWindowMs").isNumber()
                                ? r.path("exposureWindowMs").asLong()
                                : null;
                        if (run == 1) {
                            firsts.add(rolloutMs);
                            if (exposure != null) {
                                firstExposures.add(exposure);
                            }
                        } else {
                            later.add(rolloutMs);
                            if (exposure != null) {
                                exposures.add(exposure);
                            }
                        }
                    }
                    peakRss = Math.max(peakRss, procStatus(service.pid(), "VmHWM"));
                }
            }
            System.out.printf(
                    "%n%d webhook dependents (%s; answers: %s), key %s, %d fresh services x %d rotations; ideal %d ms "
                            + "(%d rounds of 20 ms)%n",
                    n,
                    canary ? "a canary, then " + (n - 1) : "one wave",
                    answers,
                    key,
                    services,
                    rotations,
                    ideal,
                    rounds);
            System.out.println("  ROLLOUT, first rotation after start: " + times(firsts, ideal));
            if (!later.isEmpty()) {
                System.out.println("  ROLLOUT, later rotations: median " + times(List.of(median(later)), ideal)
                        + " (all: " + times(later, ideal) + ")");
            }
            if (!exposures.isEmpty() || !firstExposures.isEmpty()) {
                System.out.println("  exposure window (old key dead until every dependent has the new one), ideal "
                        + "20 ms (one round): first rotations " + firstExposures + " ms; later: median "
                        + (exposures.isEmpty() ? "-" : median(exposures)) + " ms " + exposures);
            }
            System.out.println("  the service's CPU per rotation (all threads): first " + firstCpu
                    + " ms; later: median " + (laterCpu.isEmpty() ? "-" : median(laterCpu)) + " ms " + laterCpu);
            System.out.println("  start-up to ready: " + ready + " ms (launch of the JVM to the first ready answer)");
            System.out.printf(
                    "  memory: resident %d MiB after start (most of the services), peak %d MiB; heap peak %d MiB "
                            + "(JVM: %s)%n",
                    rssAfterStart >> 10, peakRss >> 10, heapPeak >> 20, String.join(" ", jvm));
            System.out.println("  bad signatures seen by the fleet: " + BAD_SIGNATURES.get());
        } finally {
            vertx.close();
            Files.deleteIfExists(config);
            System.exit(0);
        }
    }

    /** Deliveries and verify calls to the fleet, as the service makes them, until its code is compiled. */
    private static void warmFleet(String base) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(32);
        try {
            List<java.util.concurrent.Future<?>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                String id = Integer.toString(1_000_000 + i);
                calls.add(pool.submit(() -> {
                    byte[] body = "{\"key\":\"warm-up\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    http.send(
                            HttpRequest.newBuilder(URI.create(base + id + "/rotation"))
                                    .header(
                                            "X-Rotator-Signature",
                                            Signatures.header(
                                                    "s" + id,
                                                    Long.toString(Instant.now().getEpochSecond()),
                                                    body))
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
                    return http.send(
                            HttpRequest.newBuilder(URI.create(base + id + "/fingerprints"))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
                }));
            }
            for (java.util.concurrent.Future<?> call : calls) {
                call.get();
            }
        } finally {
            pool.shutdownNow();
            HELD.clear();
        }
        if (BAD_SIGNATURES.get() > 0) {
            throw new IllegalStateException("the fleet refused the warm-up's signatures");
        }
    }

    /** Whether dependent {@code i} answers a delivery with its fingerprint (else an empty 200). */
    private static boolean answersWithFingerprint(int i) {
        return answers.equals("fingerprint") || (answers.equals("mixed") && i % 2 == 1);
    }

    /** min/median/p90/max of some times, or "-". */
    private static String spread(List<Long> ms) {
        if (ms.isEmpty()) {
            return "-";
        }
        List<Long> sorted = new java.util.ArrayList<>(ms);
        java.util.Collections.sort(sorted);
        return String.format(
                "%d/%d/%d/%d ms",
                sorted.get(0),
                sorted.get(sorted.size() / 2),
                sorted.get(sorted.size() * 9 / 10),
                sorted.get(sorted.size() - 1));
    }

    private static int option(List<String> args, String name, int otherwise) {
        return args.stream()
                .filter(a -> a.startsWith(name + "="))
                .findFirst()
                .map(a -> Integer.parseInt(a.substring(name.length() + 1)))
                .orElse(otherwise);
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new java.util.ArrayList<>(values);
        java.util.Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static String times(List<Long> ms, long ideal) {
        return ms.stream()
                .map(m -> String.format("%d ms (%.1fx)", m, m / (double) ideal))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** Starts a rotation of the key and waits for its end; the record as the API shows it. */
    private static JsonNode rotate(HttpClient http, ServiceProcess service, String key, long[] heapPeak)
            throws Exception {
        JsonNode started = JSON.readTree(http.send(
                        HttpRequest.newBuilder(URI.create(service.url() + "/api/v1/keys/" + key + "/rotations"))
                                .header("Authorization", "Bearer bench")
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"bench\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body());
        String id = started.path("id").asText();
        if (id.isEmpty()) {
            throw new IllegalStateException("the rotation did not start: " + started);
        }
        while (true) {
            heapPeak[0] = Math.max(heapPeak[0], heap(http, service));
            JsonNode r = JSON.readTree(http.send(
                            HttpRequest.newBuilder(URI.create(service.url() + "/api/v1/rotations/" + id))
                                    .header("Authorization", "Bearer bench")
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body());
            String state = r.path("state").asText();
            if (state.equals("COMPLETED") || state.equals("FAILED") || state.equals("ROLLED_BACK")) {
                return r;
            }
            // Not too often: each look reads the whole record (a thousand dependents) from Vault and
            // serialises it, which would load the service being measured.
            Thread.sleep(POLL_MS);
        }
    }

    /** Prints one rotation's figures; the ROLLOUT step's time. */
    private static long report(JsonNode r, int service, int run, int n, boolean canary, long ideal, long rounds) {
        JsonNode rollout = null;
        for (JsonNode s : r.path("steps")) {
            if (s.path("name").asText().equals("ROLLOUT")) {
                rollout = s;
            }
        }
        if (rollout == null || !r.path("state").asText().equals("COMPLETED")) {
            throw new IllegalStateException("rotation " + r.path("id").asText() + " ended "
                    + r.path("state").asText() + ": " + r.path("error").asText());
        }
        long rolloutMs = Duration.between(
                        Instant.parse(rollout.path("startedAt").asText()),
                        Instant.parse(rollout.path("endedAt").asText()))
                .toMillis();
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
                Duration.between(mark, Instant.parse(rollout.path("endedAt").asText()))
                        .toMillis()));
        System.out.printf(
                "service %d, rotation %d%s: %d dependents (%s), ROLLOUT %d ms = %.1fx the ideal %d ms (%d rounds)%s;"
                        + "%s%n",
                service,
                run,
                run == 1 ? " (first after start)" : "",
                n,
                canary ? "canary + " + (n - 1) : "one wave",
                rolloutMs,
                rolloutMs / (double) ideal,
                ideal,
                rounds,
                r.path("exposureWindowMs").isNumber()
                        ? "; exposure window " + r.path("exposureWindowMs").asLong() + " ms"
                        : "",
                waves);
        // When each dependent of each wave confirmed, after its wave started, by the kind of answer it gives.
        StringBuilder spread = new StringBuilder("  confirmed after the wave's start:");
        for (JsonNode w : r.path("waves")) {
            Instant ws = Instant.parse(w.path("startedAt").asText());
            List<Long> withFingerprint = new java.util.ArrayList<>();
            List<Long> polled = new java.util.ArrayList<>();
            for (JsonNode d : w.path("dependents")) {
                if (d.path("confirmedAt").isTextual()) {
                    long ms = Duration.between(
                                    ws, Instant.parse(d.path("confirmedAt").asText()))
                            .toMillis();
                    (answersWithFingerprint(Integer.parseInt(
                                            d.path("id").asText().substring(1)))
                                    ? withFingerprint
                                    : polled)
                            .add(ms);
                }
            }
            spread.append(String.format(
                    " wave %d: answering with the fingerprint %s, polled %s;",
                    w.path("index").asInt(), spread(withFingerprint), spread(polled)));
        }
        System.out.println(spread);
        // Each step's time, and the gap before it (the record's writes between steps).
        StringBuilder steps = new StringBuilder("  steps:");
        Instant previous = null;
        for (JsonNode s : r.path("steps")) {
            if (!s.path("startedAt").isTextual() || !s.path("endedAt").isTextual()) {
                continue;
            }
            Instant started = Instant.parse(s.path("startedAt").asText());
            Instant ended = Instant.parse(s.path("endedAt").asText());
            steps.append(String.format(
                    " %s%s %d ms;",
                    previous == null
                            ? ""
                            : "+" + Duration.between(previous, started).toMillis() + " ms, ",
                    s.path("name").asText(),
                    Duration.between(started, ended).toMillis()));
            previous = ended;
        }
        System.out.println(steps);
        return rolloutMs;
    }

    /** CPU time the process used so far, in ms (/proc/<pid>/stat: utime + stime, at 100 ticks a second). */
    private static long cpuMillis(long pid) throws IOException {
        return cpuMillis(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    }

    /** utime + stime of a process's or thread's stat line, in ms. */
    private static long cpuMillis(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    }

    /** CPU time by thread name (digits folded), in ms, of the threads alive now. */
    private static Map<String, Long> threadCpu(long pid) throws IOException {
        Map<String, Long> byName = new java.util.TreeMap<>();
        try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
                            .replaceAll("\\d+", "N");
                    byName.merge(name, cpuMillis(stat), Long::sum);
                } catch (IOException gone) {
                    // The thread ended meanwhile.
                }
            }
        }
        return byName;
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

    private static void handle(HttpServerRequest request, String keyId) {
        String[] parts = request.path().split("/");
        String id = parts[2];
        if (parts.length > 3 && parts[3].equals("fingerprints")) {
            String key = HELD.get(id);
            request.response()
                    .putHeader("Content-Type", "application/json")
                    .end("{\"keys\":{" + (key == null ? "" : "\"" + keyId + "\":\"" + Fingerprints.of(key) + "\"")
                            + "}}");
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
            // may say what the verify URL would now say; or it is an empty 200, and the verify URL is asked.
            boolean tells = answersWithFingerprint(Integer.parseInt(id));
            Vertx.currentContext().owner().setTimer(20, t -> {
                if (tells) {
                    request.response()
                            .putHeader("Content-Type", "application/json")
                            .end("{\"keys\":{\"" + keyId + "\":\"" + Fingerprints.of(key) + "\"}}");
                } else {
                    request.response().setStatusCode(200).end();
                }
            });
        });
    }
}
