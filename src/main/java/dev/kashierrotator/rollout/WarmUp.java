package dev.kashierrotator.rollout;

import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.inventory.DependentSpec;
import dev.kashierrotator.inventory.DependentType;
import dev.kashierrotator.inventory.KeyKind;
import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.inventory.RolloutPolicy;
import dev.kashierrotator.inventory.Strategy;
import dev.kashierrotator.rotation.Delivery;
import dev.kashierrotator.rotation.StoredKey;
import dev.kashierrotator.util.Deadline;
import dev.kashierrotator.util.Threads;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The rollout's own code run once before the replica reports ready: a rehearsal hands a made-up key to a
 * receiver inside this process, on loopback, the way a rotation hands a key to webhook dependents (signed
 * POSTs, verify calls, retries and circuit breaker, the rollout pool, the HTTP client). An emergency
 * rotation is often the first a fresh replica runs, and on a JVM that has compiled none of that path it
 * took several times as long as later ones; the rehearsal pays for that before traffic arrives.
 *
 * <p>Nothing leaves the process (no dependent, Vault or Kashier is called), the key is random and dropped,
 * no metric counts the rehearsal, and it is bounded: whatever happens, the replica reports ready within
 * {@code rotator.engine.warm-up-bound} (readiness check {@code warm-up}), with the outcome in that check and
 * in the log. {@code rotator.engine.warm-up-deliveries=0} leaves it out.
 */
@ApplicationScoped
public class WarmUp {

    private static final String ID = "(warm-up)";
    private static final Duration CALL = Duration.ofSeconds(2);
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Deliveries at a time. What gets compiled is the same at 8 as at a wave's 64, and the replica is 11-12 MiB
     * smaller after start (FanOutBenchmark "100 canary": resident 138-139 MiB against 150-151).
     */
    private static final int CONCURRENCY = 8;

    /** Where the rehearsal is: running, or how it ended. */
    public record State(boolean done, String outcome) {}

    private final WaveRunner runner;
    private final Vertx vertx;
    private final Threads threads;
    private final Clock clock;
    private final int deliveries;
    private final Duration bound;
    private volatile State state = new State(false, "not started");

    public WarmUp(WaveRunner runner, Vertx vertx, Threads threads, Clock clock, RotatorConfig config) {
        this.runner = runner;
        this.vertx = vertx;
        this.threads = threads;
        this.clock = clock;
        this.deliveries = config.engine().warmUpDeliveries();
        this.bound = config.engine().warmUpBound();
    }

    public State state() {
        return state;
    }

    void onStart(@Observes StartupEvent event) {
        if (deliveries <= 0) {
            state = new State(true, "off (rotator.engine.warm-up-deliveries=0)");
            return;
        }
        state = new State(false, "rehearsing " + deliveries + " deliveries");
        threads.factory("warm-up").newThread(this::run).start();
    }

    private void run() {
        long started = clock.millis();
        String outcome;
        try {
            outcome = rehearse();
        } catch (RuntimeException e) {
            outcome = "failed (" + e.getClass().getSimpleName() + "); rotations run unwarmed";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = "interrupted";
        }
        outcome += " in " + (clock.millis() - started) + " ms";
        Log.infof("warm-up: %s", outcome);
        state = new State(true, outcome);
    }

    private String rehearse() throws InterruptedException {
        StoredKey key = StoredKey.of(random(), Optional.empty(), clock.instant());
        String fingerprint = key.fingerprint();
        AtomicInteger posts = new AtomicInteger();
        AtomicInteger verifies = new AtomicInteger();
        String verifyBody = "{\"keys\":{\"" + ID + "\":\"" + fingerprint + "\"}}";
        HttpServer receiver = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1"))
                .requestHandler(request -> {
                    if ("GET".equals(request.method().name())) {
                        verifies.incrementAndGet();
                        request.response().end(verifyBody);
                        return;
                    }
                    // Like receivers of both kinds: half answer with their verify body, half with an empty 200.
                    boolean reports = posts.incrementAndGet() % 2 == 0;
                    request.end().onComplete(read -> request.response().end(reports ? verifyBody : ""));
                });
        try {
            int port;
            try {
                port = receiver.listen(0)
                        .toCompletionStage()
                        .toCompletableFuture()
                        .get(CALL.toMillis(), TimeUnit.MILLISECONDS)
                        .actualPort();
            } catch (ExecutionException | TimeoutException e) {
                return "failed: no loopback receiver (" + e.getClass().getSimpleName() + "); rotations run unwarmed";
            }
            String base = "http://127.0.0.1:" + port;
            DependentSpec dependent = new DependentSpec(
                    ID,
                    List.of(ID),
                    0,
                    DependentType.WEBHOOK,
                    Optional.of(base + "/deliveries"),
                    Optional.of(base + "/verify"),
                    Optional.of(random()),
                    false,
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    List.of(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty());
            RolloutPolicy policy =
                    new RolloutPolicy(Duration.ZERO, CONCURRENCY, CALL, 1, CALL, 0, 1000, Duration.ofSeconds(1));
            KeySpec spec = new KeySpec(
                    ID,
                    ID,
                    ID,
                    Mode.TEST,
                    KeyKind.SECRET_KEY,
                    Strategy.SINGLE_USER,
                    ID,
                    List.of(ID),
                    Optional.empty(),
                    Duration.ZERO,
                    policy);
            Delivery delivery = Delivery.rotated(ID, spec, key, ID, ID);
            Instant until = clock.instant().plus(bound);
            AtomicBoolean stopped = new AtomicBoolean();
            BooleanSupplier pastBound = () -> {
                if (!clock.instant().isBefore(until)) {
                    stopped.set(true);
                }
                return stopped.get();
            };
            // Each call of the rehearsal is bounded (CALL); this ends one stuck between calls.
            boolean cut;
            try (Deadline backstop = Deadline.start(bound.plus(CALL))) {
                runner.rehearse(dependent, deliveries, delivery, policy, pastBound);
                cut = stopped.get() || backstop.passed();
            }
            return (cut ? "stopped at the bound (rotator.engine.warm-up-bound=" + bound + ") after " : "") + posts.get()
                    + " deliveries and " + verifies.get() + " verify calls to a loopback receiver";
        } finally {
            receiver.close();
        }
    }

    private static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
