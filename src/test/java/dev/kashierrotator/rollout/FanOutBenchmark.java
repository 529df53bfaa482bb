package dev.kashierrotator.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kashierrotator.rotation.Fingerprints;
import dev.kashierrotator.testing.OpenBao;
import dev.kashierrotator.testing.ServiceProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark (not a test): one payment-key rotation fanning out to N webhook dependents in one wave,
 * each answering after 20 ms, at max-concurrency 64, against the packaged service, real OpenBao and
 * a loopback "fleet" server (one path per dependent, signature checked). Reports the rollout time and
 * the service's heap before, at its peak during, and after. Run:
 * {@code ./mvnw -Pbench -DskipTests package exec:exec -Dbench.main=dev.kashierrotator.rollout.FanOutBenchmark -Dbench.args=1000}.
 */
public final class FanOutBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> HELD = new ConcurrentHashMap<>();
    private static final AtomicLong BAD_SIGNATURES = new AtomicLong();

    private FanOutBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        HttpServer fleet = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        fleet.createContext("/d/", FanOutBenchmark::handle);
        fleet.setExecutor(Executors.newFixedThreadPool(256));
        fleet.start();
        String base = "http://127.0.0.1:" + fleet.getAddress().getPort() + "/d/";

        StringBuilder yaml = new StringBuilder("rotator:\n  rollout:\n    soak: 0s\n    max-concurrency: 64\n"
                + "    verify-timeout: 60s\n  accounts:\n    bench:\n      mid: MID-9999-002\n"
                + "  keys:\n    fan-pay:\n      account: bench\n      mode: test\n      kind: payment-api-key\n"
                + "      grace: 0s\n  dependents:\n");
        for (int i = 0; i < n; i++) {
            yaml.append("    d").append(i).append(":\n      keys: [fan-pay]\n      wave: 0\n      type: webhook\n")
                    .append("      url: ").append(base).append(i).append("/rotation\n")
                    .append("      verify-url: ").append(base).append(i).append("/fingerprints\n")
                    .append("      signing-secret: s").append(i).append('\n');
        }
        Path config = Files.createTempFile("fanout", ".yaml");
        Files.writeString(config, yaml);

        OpenBao bao = OpenBao.get();
        int port = OpenBao.freePort();
        String sim = "http://127.0.0.1:" + port + "/sim/kashier";
        Map<String, String> settings = new java.util.HashMap<>(ServiceProcess.PLAIN_HTTP);
        settings.putAll(Map.of(
                "quarkus.config.locations", config.toUri().toString(),
                "rotator.vault.address", bao.address(), "rotator.vault.token", bao.rootToken(),
                "rotator.vault.key-prefix", "bench-" + System.nanoTime(),
                "rotator.bootstrap-token", "bench", "rotator.kashier.dashboard", "simulator",
                "rotator.kashier.simulator.enabled", "true", "rotator.kashier.simulator.url", sim,
                "rotator.kashier.api.test-base-url", sim + "/test"));
        try (ServiceProcess service = ServiceProcess.start("fanout", port, settings)) {
            HttpClient http = HttpClient.newHttpClient();
            long heapBefore = heap(http, service);
            Instant t0 = Instant.now();
            JsonNode started = JSON.readTree(http.send(HttpRequest.newBuilder(
                            URI.create(service.url() + "/api/v1/keys/fan-pay/rotations"))
                    .header("Authorization", "Bearer bench").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"bench\"}")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            String id = started.path("id").asText();
            long peak = heapBefore;
            JsonNode r;
            while (true) {
                peak = Math.max(peak, heap(http, service));
                r = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(service.url() + "/api/v1/rotations/" + id))
                        .header("Authorization", "Bearer bench").build(), HttpResponse.BodyHandlers.ofString()).body());
                String state = r.path("state").asText();
                if (state.equals("COMPLETED") || state.equals("FAILED") || state.equals("ROLLED_BACK")) {
                    break;
                }
                Thread.sleep(100);
            }
            long total = Duration.between(t0, Instant.now()).toMillis();
            JsonNode rollout = null;
            for (JsonNode s : r.path("steps")) {
                if (s.path("name").asText().equals("ROLLOUT")) {
                    rollout = s;
                }
            }
            long rolloutMs = Duration.between(Instant.parse(rollout.path("startedAt").asText()),
                    Instant.parse(rollout.path("endedAt").asText())).toMillis();
            System.gc();
            Thread.sleep(500);
            long heapAfter = heap(http, service);
            long confirmed = 0;
            for (JsonNode d : r.path("waves").get(0).path("dependents")) {
                confirmed += d.path("state").asText().equals("CONFIRMED") ? 1 : 0;
            }
            System.out.printf("fan-out to %d webhook dependents (20 ms each, max-concurrency 64, one wave): %s; "
                    + "ROLLOUT step %d ms, POST to final state %d ms; %d confirmed, %d bad signatures%n",
                    n, r.path("state").asText(), rolloutMs, total, confirmed, BAD_SIGNATURES.get());
            System.out.printf("service heap used: before %d MiB, peak during %d MiB, after %d MiB (-Xmx256m)%n",
                    heapBefore >> 20, peak >> 20, heapAfter >> 20);
        } finally {
            fleet.stop(0);
            Files.deleteIfExists(config);
            System.exit(0);
        }
    }

    private static long heap(HttpClient http, ServiceProcess service) throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(URI.create(service.url() + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double sum = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return (long) sum;
    }

    private static void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String[] parts = ex.getRequestURI().getPath().split("/");
            String id = parts[2];
            Thread.sleep(20);
            if (parts.length > 3 && parts[3].equals("fingerprints")) {
                String key = HELD.get(id);
                byte[] body = ("{\"keys\":{" + (key == null ? "" : "\"fan-pay\":\"" + Fingerprints.of(key) + "\"")
                        + "}}").getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
                return;
            }
            byte[] body = ex.getRequestBody().readAllBytes();
            if (!Signatures.verify("s" + id, ex.getRequestHeaders().getFirst("X-Rotator-Signature"), body)) {
                BAD_SIGNATURES.incrementAndGet();
                ex.sendResponseHeaders(401, -1);
                return;
            }
            HELD.put(id, JSON.readTree(body).path("key").asText());
            ex.sendResponseHeaders(200, -1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
