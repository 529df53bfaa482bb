package dev.kashierrotator.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.kashierrotator.rollout.Signatures;
import dev.kashierrotator.rotation.Fingerprints;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import javax.net.ssl.SSLContext;

/**
 * A webhook dependent as a real service would write one (docs/webhook-protocol.md), on its own loopback HTTP
 * server: it checks the HMAC signature, deduplicates on {@code X-Rotator-Delivery}, switches to the
 * delivered key (inline, or fetched from Vault by reference) and reports the fingerprint of the key it
 * now holds at {@code /rotation/fingerprints}. Used by the local run and by the tests.
 */
public final class DemoDependent implements AutoCloseable {

    /**
     * One delivery as received.
     *
     * @param fingerprint fingerprint of the key it carried or referenced (never the key)
     */
    public record Received(String event, String deliveryId, String keyId, boolean signatureValid, String fingerprint) {}

    private final String name;
    private final String signingSecret;
    private final HttpServer server;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, String> current = new ConcurrentHashMap<>();
    private final Map<String, String> previous = new ConcurrentHashMap<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, Boolean> seenDeliveries = new ConcurrentHashMap<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile int failWith;
    private volatile boolean ignoreKeys;
    private volatile String redirect;
    private volatile Duration confirmDelay = Duration.ZERO;
    private volatile boolean holding;
    private final Map<String, Instant> switchedAt = new ConcurrentHashMap<>();
    private final Map<String, String> reported = new ConcurrentHashMap<>();
    private volatile Duration answerDelay = Duration.ZERO;
    private volatile boolean ignoreRollbacks;
    private volatile boolean reportInAnswer;
    private final AtomicInteger verifyCalls = new AtomicInteger();
    private volatile BiFunction<String, Long, Optional<String>> vaultReader = (path, version) -> Optional.empty();

    private DemoDependent(String name, String signingSecret, int port, SSLContext tls) throws IOException {
        this.name = name;
        this.signingSecret = signingSecret;
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        if (tls == null) {
            this.server = HttpServer.create(address, 0);
        } else {
            HttpsServer https = HttpsServer.create(address, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            this.server = https;
        }
        server.createContext("/rotation", this::handle);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "demo-dependent-" + name);
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /** Starts a dependent on the port (0: any free port). */
    public static DemoDependent start(String name, String signingSecret, int port) throws IOException {
        return new DemoDependent(name, signingSecret, port, null);
    }

    /** Starts a dependent serving https with the given server context. */
    public static DemoDependent startTls(String name, String signingSecret, SSLContext tls) throws IOException {
        return new DemoDependent(name, signingSecret, 0, tls);
    }

    public String name() {
        return name;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Where rotations are POSTed. */
    public String url() {
        return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + port() + "/rotation";
    }

    /** Where the dependent reports the fingerprints it uses. */
    public String verifyUrl() {
        return url() + "/fingerprints";
    }

    /** Answers every delivery with this HTTP status from now on (0: behave). */
    public DemoDependent failWith(int status) {
        this.failWith = status;
        return this;
    }

    /**
     * Applies each delivery at once but answers only after this long: a sender whose call times out
     * first sees a failure, though the dependent switched keys (a slow proxy, a lost answer).
     */
    public DemoDependent answerAfter(Duration delay) {
        this.answerDelay = delay;
        return this;
    }

    /** Accepts {@code key.rolled_back} deliveries but keeps the key it switched to (a rollback that does not take). */
    public DemoDependent ignoreRollbacks(boolean ignore) {
        this.ignoreRollbacks = ignore;
        return this;
    }

    /** Answers every delivery with a redirect there (a well-behaved sender does not follow it). */
    public DemoDependent redirectTo(String url) {
        this.redirect = url;
        return this;
    }

    /** Answers the next {@code n} deliveries with 503, then behaves. */
    public DemoDependent failFirst(int n) {
        failuresLeft.set(n);
        return this;
    }

    /** Accepts deliveries but keeps using its old keys (a dependent that never really switches). */
    public DemoDependent ignoreKeys(boolean ignore) {
        this.ignoreKeys = ignore;
        return this;
    }

    /**
     * Keeps reporting the fingerprint of its old key for this long after switching to a new one, like a
     * fleet that takes time to roll out (widens the window in which a rollout can be interrupted). A
     * {@code key.rolled_back} takes effect at once.
     */
    public DemoDependent confirmAfter(Duration delay) {
        this.confirmDelay = delay;
        return this;
    }

    /**
     * While held, keeps reporting the old key's fingerprint after a switch, however long (a rollout that a
     * test ends when it is ready: {@link #holdConfirmations(boolean) holdConfirmations(false)}).
     */
    public DemoDependent holdConfirmations(boolean hold) {
        this.holding = hold;
        return this;
    }

    /** How reference deliveries are resolved: (Vault path under the mount, version) to key. */
    public DemoDependent vaultReader(BiFunction<String, Long, Optional<String>> reader) {
        this.vaultReader = reader;
        return this;
    }

    /** Gives the dependent a key to start with, as it would have from its own configuration. */
    public DemoDependent use(String keyId, String key) {
        current.put(keyId, key);
        return this;
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** Fingerprint of the key it uses now for {@code keyId}, if any. */
    public Optional<String> fingerprint(String keyId) {
        return Optional.ofNullable(current.get(keyId)).map(Fingerprints::of);
    }

    /** Fingerprint of the previous key it still accepts (payment keys during grace). */
    public Optional<String> previousFingerprint(String keyId) {
        return Optional.ofNullable(previous.get(keyId)).map(Fingerprints::of);
    }

    /** The key it holds now, as the application behind it would use it (tests use it to call the simulator). */
    public Optional<String> key(String keyId) {
        return Optional.ofNullable(current.get(keyId));
    }

    public void reset() {
        received.clear();
        seenDeliveries.clear();
        failWith = 0;
        failuresLeft.set(0);
        ignoreKeys = false;
        answerDelay = Duration.ZERO;
        ignoreRollbacks = false;
        reportInAnswer = false;
    }

    /**
     * Answers deliveries with what its verify URL would say (docs/webhook-protocol.md allows it; the
     * rotator then needs no verify call), or not.
     */
    public DemoDependent reportInAnswer(boolean report) {
        this.reportInAnswer = report;
        return this;
    }

    /** How many times its verify URL was called. */
    public int verifyCalls() {
        return verifyCalls.get();
    }

    /** The fingerprints it reports now: the keys it uses (the old one while a confirm delay runs). */
    private Map<String, String> fingerprints() {
        Map<String, String> fps = new TreeMap<>();
        Instant now = Instant.now();
        current.forEach((k, v) -> {
            Instant since = switchedAt.get(k);
            if (since == null || (!holding && !now.isBefore(since.plus(confirmDelay)))) {
                fps.put(k, Fingerprints.of(v));
            } else if (reported.containsKey(k)) {
                fps.put(k, reported.get(k));
            }
        });
        return fps;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (exchange.getRequestMethod().equals("GET") && path.equals("/rotation/fingerprints")) {
                verifyCalls.incrementAndGet();
                respond(exchange, 200, json.writeValueAsBytes(Map.of("keys", fingerprints())));
                return;
            }
            if (!exchange.getRequestMethod().equals("POST") || !path.equals("/rotation")) {
                respond(exchange, 404, new byte[0]);
                return;
            }
            byte[] body = exchange.getRequestBody().readAllBytes();
            boolean valid = Signatures.verify(
                    signingSecret,
                    exchange.getRequestHeaders().getFirst("X-Rotator-Signature"),
                    body,
                    java.time.Instant.now());
            JsonNode event = json.readTree(body);
            String deliveryId = exchange.getRequestHeaders().getFirst("X-Rotator-Delivery");
            String keyId = event.path("keyId").asText();
            received.add(new Received(
                    exchange.getRequestHeaders().getFirst("X-Rotator-Event"),
                    deliveryId,
                    keyId,
                    valid,
                    event.path("fingerprint").asText()));
            if (!valid) {
                respond(exchange, 401, new byte[0]);
                return;
            }
            if (redirect != null) {
                exchange.getResponseHeaders().set("Location", redirect);
                respond(exchange, 307, new byte[0]);
                return;
            }
            if (failWith != 0) {
                respond(exchange, failWith, new byte[0]);
                return;
            }
            if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                respond(exchange, 503, new byte[0]);
                return;
            }
            boolean ignored = ignoreKeys
                    || (ignoreRollbacks
                            && "key.rolled_back".equals(event.path("event").asText()));
            if (seenDeliveries.putIfAbsent(deliveryId, true) == null && !ignored) {
                Optional<String> key = event.hasNonNull("key")
                        ? Optional.of(event.get("key").asText())
                        : vaultReader.apply(
                                event.path("vault").path("path").asText(),
                                event.path("vault").path("version").asLong());
                if (key.isEmpty()) {
                    respond(exchange, 422, new byte[0]);
                    seenDeliveries.remove(deliveryId);
                    return;
                }
                String old = current.put(keyId, key.get());
                if ("key.rotated".equals(event.path("event").asText())) {
                    if (old != null) {
                        reported.put(keyId, Fingerprints.of(old));
                    } else {
                        reported.remove(keyId);
                    }
                    switchedAt.put(keyId, Instant.now());
                } else {
                    // Going back to a key it already knew takes no rollout time.
                    switchedAt.remove(keyId);
                }
                // During grace callbacks may still be signed with the previous key: keep accepting it.
                String stillValid = event.hasNonNull("previousKey")
                        ? event.get("previousKey").asText()
                        : old;
                if (event.hasNonNull("graceUntil") && stillValid != null) {
                    previous.put(keyId, stillValid);
                } else {
                    previous.remove(keyId);
                }
            }
            if (!answerDelay.isZero()) {
                try {
                    Thread.sleep(answerDelay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            respond(
                    exchange,
                    200,
                    reportInAnswer
                            ? json.writeValueAsBytes(Map.of("keys", fingerprints()))
                            : "{\"accepted\":true}".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    @Override
    public String toString() {
        return "DemoDependent[" + name + " on port " + port() + "]";
    }
}
