package dev.kashierrotator.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.util.Threads;
import dev.kashierrotator.vault.CasConflictException;
import dev.kashierrotator.vault.VaultKv;
import dev.kashierrotator.vault.Versioned;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * The audit trail: events in Vault at {@code <state-prefix>/audit/events/<seq>}, each written once with
 * check-and-set 0 (so two replicas can never both write event n: the loser re-reads and appends after
 * the winner) and chained by hash. {@code <state-prefix>/audit/head} is a hint of the last sequence
 * number; the trail itself is the chain. Every event is also logged as one JSON line on the
 * {@code audit} logger, which gives log shipping an independent copy of each hash.
 *
 * <p>One writer thread appends in arrival order. Calls that changed something wait (bounded) until their
 * event is stored, and are never dropped. Denied calls (401, 403) never reach the writer one by one: each
 * window ({@code rotator.audit.denied-window}) adds one event per kind with its count. Two budgets that
 * never mix: calls without a valid token are counted per source (whatever their paths, so an attacker
 * cannot buy one event per path he makes up), at most {@value #MAX_DENIED_KINDS} sources, then one event
 * for the rest; an authenticated caller's denied calls are counted per distinct call, at most
 * {@value #MAX_AUTHENTICATED_KINDS} kinds, then one event per caller for the rest, so no flood of anonymous
 * calls can push an insider's 403 out of the trail. A flood of bad tokens therefore costs Vault a few
 * writes a window and delays no change's event.
 */
@ApplicationScoped
public class AuditTrail {

    private static final Logger AUDIT_LOG = Logger.getLogger("audit");
    private static final Duration WAIT = Duration.ofSeconds(10);
    static final int MAX_DENIED_KINDS = 100;
    static final int MAX_AUTHENTICATED_KINDS = 1000;

    /**
     * Where the chain broke, if it did.
     *
     * @param signedFrom with an audit key: the first event signed with it (earlier ones predate the key
     *                   and are checked by hash only); null without a key or when none is signed yet
     * @param checkedFrom the first event read this time: 1 for a whole walk, later for a check that went on
     *                    from where this replica's last intact walk ended
     */
    public record Verification(
            boolean intact,
            long eventsChecked,
            long headSeq,
            Long brokenAt,
            String problem,
            Long signedFrom,
            long checkedFrom) {}

    /** Where this replica's last intact walk ended: a check from there reads only what came since. */
    private record Checkpoint(long seq, String hash, Long signedFrom) {}

    private volatile Checkpoint checkpoint;

    private record Tail(long seq, String hash) {}

    /** What makes two denied calls the same kind: everything but the time. */
    private record DeniedKind(
            String actor, String action, String keyId, String rotationId, int status, String sourceIp, String detail) {}

    /** The first time a kind was seen in the window, its first call's detail, and how often. */
    private static final class Seen {
        final String first;
        final String detail;
        final java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();

        Seen(String first, String detail) {
            this.first = first;
            this.detail = detail;
        }
    }

    private final VaultKv kv;
    private final Clock clock;
    private final ObjectMapper json;
    private final String prefix;
    private final MeterRegistry metrics;
    private final Counter dropped;
    private final Counter deniedCalls;
    private final ThreadPoolExecutor writer;
    private final java.util.concurrent.ScheduledExecutorService windows;
    private final Duration deniedWindow;
    private final Optional<String> hmacKey;
    /** Denied calls without a valid token in the current window: one entry per source, with its count. */
    private final Map<DeniedKind, Seen> denied = new java.util.concurrent.ConcurrentHashMap<>();

    private final java.util.concurrent.atomic.AtomicLong deniedOverflow = new java.util.concurrent.atomic.AtomicLong();
    /** Authenticated callers' denied calls in the current window: one entry per distinct call. */
    private final Map<DeniedKind, Seen> deniedAuthenticated = new java.util.concurrent.ConcurrentHashMap<>();
    /** Past {@link #MAX_AUTHENTICATED_KINDS}: counted per caller. */
    private final Map<String, java.util.concurrent.atomic.AtomicLong> authenticatedOverflow =
            new java.util.concurrent.ConcurrentHashMap<>();

    private volatile boolean closing;
    private Tail tail;

    public AuditTrail(
            VaultKv kv, ObjectMapper json, RotatorConfig config, MeterRegistry metrics, Clock clock, Threads threads) {
        this.kv = kv;
        this.clock = clock;
        this.json = json;
        this.prefix = config.vault().statePrefix().replaceAll("^/+|/+$", "") + "/audit";
        this.metrics = metrics;
        this.dropped = Counter.builder("rotator_audit_events_dropped")
                .description("Audit events not stored in "
                        + "Vault (the service stopped while Vault was unavailable); each is still logged")
                .register(metrics);
        this.deniedCalls = Counter.builder("rotator_audit_denied_calls")
                .description("API calls answered 401 or 403")
                .register(metrics);
        this.deniedWindow = config.audit().deniedWindow();
        this.hmacKey = config.audit().hmacKey().filter(k -> !k.isBlank());
        // Unbounded on purpose: only authenticated changes and a bounded number of denied-call summaries
        // per window are queued, and a change's event must never be dropped.
        this.writer = threads.pool("audit-writer", 1, new LinkedBlockingQueue<>());
        this.windows = threads.scheduler("audit-denied-window", 1);
        long every = Math.max(100, deniedWindow.toMillis());
        windows.scheduleAtFixedRate(this::flushDenied, every, every, TimeUnit.MILLISECONDS);
        metrics.gauge("rotator_audit_queue_size", writer.getQueue(), q -> q.size());
    }

    /** The time stamp of an event made now, on the service's clock. */
    public String now() {
        return clock.instant().toString();
    }

    /**
     * Counts a denied call (401, 403) towards this window's summary; never blocks, never writes.
     *
     * @param authenticated whether the caller presented a valid token (its denials have their own budget)
     */
    public void recordDenied(AuditEvent call, boolean authenticated) {
        deniedCalls.increment();
        if (authenticated) {
            DeniedKind kind = new DeniedKind(
                    call.actor(),
                    call.action(),
                    call.keyId(),
                    call.rotationId(),
                    call.status(),
                    call.sourceIp(),
                    call.detail());
            Seen seen = deniedAuthenticated.get(kind);
            if (seen == null && deniedAuthenticated.size() >= MAX_AUTHENTICATED_KINDS) {
                authenticatedOverflow
                        .computeIfAbsent(call.actor(), a -> new java.util.concurrent.atomic.AtomicLong())
                        .incrementAndGet();
                return;
            }
            (seen != null ? seen : deniedAuthenticated.computeIfAbsent(kind, k -> new Seen(call.time(), call.detail())))
                    .count.incrementAndGet();
            return;
        }
        // Whoever has no valid token chooses the path: one kind per source, however many paths it tries.
        DeniedKind kind = new DeniedKind(call.actor(), call.action(), null, null, call.status(), call.sourceIp(), null);
        Seen seen = denied.get(kind);
        if (seen == null && denied.size() >= MAX_DENIED_KINDS) {
            deniedOverflow.incrementAndGet();
            return;
        }
        (seen != null ? seen : denied.computeIfAbsent(kind, k -> new Seen(call.time(), call.detail())))
                .count.incrementAndGet();
    }

    /** Turns this window's denied calls into events: one per kind, and one per overflowing budget. */
    void flushDenied() {
        try {
            Instant end = clock.instant();
            flush(deniedAuthenticated, end, " (%d calls from %s to %s)");
            authenticatedOverflow.forEach((actor, count) -> {
                long n = authenticatedOverflow.remove(actor).get();
                submit(new AuditEvent(
                        0,
                        end.toString(),
                        actor,
                        "access.denied",
                        null,
                        null,
                        "denied",
                        0,
                        null,
                        n + " more denied calls by " + actor + " of other kinds in the " + deniedWindow.toSeconds()
                                + " s to " + end + " (more than " + MAX_AUTHENTICATED_KINDS + " kinds)",
                        null,
                        null));
            });
            flush(denied, end, " (the first of %d calls from this source, %s to %s)");
            long others = deniedOverflow.getAndSet(0);
            if (others > 0) {
                submit(new AuditEvent(
                        0,
                        end.toString(),
                        "various",
                        "access.denied",
                        null,
                        null,
                        "denied",
                        0,
                        null,
                        others + " more calls without a valid token from other sources in the "
                                + deniedWindow.toSeconds() + " s to " + end + " (more than " + MAX_DENIED_KINDS
                                + " sources)",
                        null,
                        null));
            }
        } catch (RuntimeException e) {
            Log.warnf(
                    "audit trail: denied-call summary failed (%s)", e.getClass().getSimpleName());
        }
    }

    /** One event per kind of this window's denied calls, with the first call's detail and the count. */
    private void flush(Map<DeniedKind, Seen> kinds, Instant end, String counted) {
        for (DeniedKind kind : List.copyOf(kinds.keySet())) {
            Seen seen = kinds.remove(kind);
            long n = seen.count.get();
            String detail = n == 1 ? seen.detail : seen.detail + String.format(counted, n, seen.first, end);
            submit(new AuditEvent(
                    0,
                    seen.first,
                    kind.actor(),
                    kind.action(),
                    kind.keyId(),
                    kind.rotationId(),
                    "denied",
                    kind.status(),
                    kind.sourceIp(),
                    detail,
                    null,
                    null));
        }
    }

    private Future<?> submit(AuditEvent draft) {
        return writer.submit(() -> persist(draft));
    }

    /**
     * Appends the event of a change (or of something the service did by itself). With {@code wait}, returns
     * once it is stored in Vault (or after a bounded wait, leaving it queued); without, returns at once.
     */
    public void record(AuditEvent draft, boolean wait) {
        Future<?> stored;
        try {
            stored = submit(draft);
        } catch (RejectedExecutionException e) {
            // Only after shutdown began: the log keeps it.
            dropped.increment();
            AUDIT_LOG.warn(line(draft) + " (not stored: the service is stopping)");
            return;
        }
        if (!wait) {
            return;
        }
        try {
            stored.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            Log.warnf(
                    "audit event %s by %s not stored in Vault after %s; it stays queued",
                    draft.action(), draft.actor(), WAIT);
        } catch (ExecutionException e) {
            Log.errorf(
                    "audit event %s by %s could not be stored: %s",
                    draft.action(), draft.actor(), e.getCause().getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs on the writer thread: retries until Vault takes the event or the service stops. */
    private void persist(AuditEvent draft) {
        Duration backoff = Duration.ofMillis(200);
        while (true) {
            try {
                if (tail == null) {
                    tail = findTail();
                }
                AuditEvent e = draft.chained(tail.seq() + 1, tail.hash());
                Map<String, String> data = e.toData();
                hmacKey.ifPresent(k -> data.put("mac", mac(k, e.hash())));
                kv.write(eventPath(e.seq()), data, 0);
                tail = new Tail(e.seq(), e.hash());
                advanceHead(e);
                metrics.counter("rotator_audit_events", "outcome", e.outcome()).increment();
                AUDIT_LOG.info(line(e));
                return;
            } catch (CasConflictException e) {
                // Another replica appended event n first: follow its chain and try again after it.
                tail = null;
            } catch (RuntimeException e) {
                tail = null;
                if (closing) {
                    AUDIT_LOG.warn(line(draft) + " (not stored: the service stopped while Vault was unavailable)");
                    return;
                }
                Log.warnf(
                        "audit trail: Vault did not take event %s (%s); retrying in %s",
                        draft.action(), e.getClass().getSimpleName(), backoff);
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0
                        ? Duration.ofSeconds(30)
                        : backoff.multipliedBy(2);
            }
        }
    }

    /** The last stored event: the head's hint, then forward while later events exist. */
    private Tail findTail() {
        Tail t = kv.read(prefix + "/head")
                .map(v -> new Tail(Long.parseLong(v.data().get("seq")), v.data().get("hash")))
                .orElse(new Tail(0, AuditEvent.GENESIS));
        while (true) {
            Optional<Versioned> next = kv.read(eventPath(t.seq() + 1));
            if (next.isEmpty()) {
                return t;
            }
            t = new Tail(t.seq() + 1, next.get().data().get("hash"));
        }
    }

    private void advanceHead(AuditEvent e) {
        for (int attempt = 0; attempt < 5; attempt++) {
            Optional<Versioned> head = kv.read(prefix + "/head");
            if (head.isPresent() && Long.parseLong(head.get().data().get("seq")) >= e.seq()) {
                return;
            }
            try {
                kv.write(
                        prefix + "/head",
                        Map.of("seq", Long.toString(e.seq()), "hash", e.hash()),
                        head.map(Versioned::version).orElse(0L));
                return;
            } catch (CasConflictException conflict) {
                // Someone else moved the head; look again.
            }
        }
    }

    /** The newest events first, at most {@code limit} of those the filter lets through. */
    public List<AuditEvent> recent(int limit, Predicate<AuditEvent> visible) {
        Tail t = findTail();
        List<AuditEvent> out = new ArrayList<>();
        long budget = (long) limit * 10;
        for (long seq = t.seq(); seq >= 1 && out.size() < limit && budget-- > 0; seq--) {
            kv.read(eventPath(seq))
                    .map(v -> AuditEvent.fromData(v.data()))
                    .filter(visible)
                    .ifPresent(out::add);
        }
        return out;
    }

    /**
     * Walks the chain from the first event: each must exist, be written once, hash to what it says and
     * point at its predecessor's hash. Reports the first broken link.
     */
    public Verification verify() {
        return verify(false);
    }

    /**
     * As {@link #verify()}; {@code sinceLast}: goes on from where this replica's last intact walk ended,
     * reading only the events since (what a page that shows the trail asks each time it is viewed; a
     * rewrite of an event already checked is found by the next whole walk).
     */
    public Verification verify(boolean sinceLast) {
        long head = kv.read(prefix + "/head")
                .map(v -> Long.parseLong(v.data().get("seq")))
                .orElse(0L);
        Checkpoint from = sinceLast ? checkpoint : null;
        String prev = from == null ? AuditEvent.GENESIS : from.hash();
        long seq = from == null ? 1 : from.seq() + 1;
        long firstRead = seq;
        Long signedFrom = from == null ? null : from.signedFrom();
        while (true) {
            Optional<Versioned> stored = kv.read(eventPath(seq));
            if (stored.isEmpty()) {
                if (seq <= head) {
                    return broken(
                            firstRead,
                            seq - 1,
                            head,
                            seq,
                            "event " + seq + " is missing (the trail reached event " + head + ")");
                }
                if (kv.read(eventPath(seq + 1)).isPresent()) {
                    return broken(
                            firstRead,
                            seq - 1,
                            head,
                            seq,
                            "event " + seq + " is missing (event " + (seq + 1) + " exists)");
                }
                checkpoint = new Checkpoint(seq - 1, prev, signedFrom);
                return new Verification(true, seq - 1, head, null, null, signedFrom, firstRead);
            }
            AuditEvent e = AuditEvent.fromData(stored.get().data());
            if (stored.get().version() != 1) {
                return broken(
                        firstRead,
                        seq - 1,
                        head,
                        seq,
                        "event " + seq + " was rewritten (Vault holds version "
                                + stored.get().version() + "; events are written once)");
            }
            if (e.seq() != seq) {
                return broken(firstRead, seq - 1, head, seq, "event " + seq + " carries sequence number " + e.seq());
            }
            if (!prev.equals(e.prevHash())) {
                return broken(
                        firstRead,
                        seq - 1,
                        head,
                        seq,
                        "event " + seq + " does not follow event " + (seq - 1) + ": its previous-event hash differs");
            }
            if (!e.computeHash().equals(e.hash())) {
                return broken(
                        firstRead,
                        seq - 1,
                        head,
                        seq,
                        "event " + seq + " was altered: its content no longer matches its " + "hash");
            }
            if (hmacKey.isPresent()) {
                String mac = stored.get().data().get("mac");
                if (mac == null && signedFrom != null) {
                    return broken(
                            firstRead,
                            seq - 1,
                            head,
                            seq,
                            "event " + seq + " is not signed with the audit key, though " + "events from " + signedFrom
                                    + " on are: it was not written by this service");
                }
                if (mac != null
                        && !java.security.MessageDigest.isEqual(
                                mac.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                                mac(hmacKey.get(), e.hash()).getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
                    return broken(
                            firstRead,
                            seq - 1,
                            head,
                            seq,
                            "event " + seq + "'s signature does not match the audit key: it "
                                    + "was not written by this service");
                }
                if (mac != null && signedFrom == null) {
                    signedFrom = seq;
                }
            }
            prev = e.hash();
            seq++;
        }
    }

    private static Verification broken(long firstRead, long checked, long head, long at, String problem) {
        return new Verification(false, checked, head, at, problem, null, firstRead);
    }

    private static String mac(String key, String hash) {
        try {
            javax.crypto.Mac m = javax.crypto.Mac.getInstance("HmacSHA256");
            m.init(new javax.crypto.spec.SecretKeySpec(
                    key.getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
            return java.util.HexFormat.of()
                    .formatHex(m.doFinal(hash.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    String eventPath(long seq) {
        return prefix + "/events/" + String.format("%012d", seq);
    }

    private String line(AuditEvent e) {
        try {
            return json.writeValueAsString(e);
        } catch (JsonProcessingException ex) {
            return "{\"action\":\"" + e.action() + "\",\"unserialisable\":true}";
        }
    }

    @PreDestroy
    void stop() {
        windows.shutdownNow();
        flushDenied();
        writer.shutdown();
        try {
            if (!writer.awaitTermination(5, TimeUnit.SECONDS)) {
                closing = true;
                // What Vault did not take in time is still written to the audit log, never just dropped.
                List<Runnable> left = writer.shutdownNow();
                Log.warnf(
                        "audit trail: %d events not stored in Vault at shutdown; they are in the audit log",
                        left.size());
                left.forEach(Runnable::run);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
