package dev.kashierrotator.schedule;

import dev.kashierrotator.audit.AuditEvent;
import dev.kashierrotator.audit.AuditTrail;
import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.rotation.Announcements;
import dev.kashierrotator.rotation.KeyStore;
import dev.kashierrotator.rotation.Notice;
import dev.kashierrotator.rotation.Rotation;
import dev.kashierrotator.rotation.RotationEngine;
import dev.kashierrotator.rotation.RotationException;
import dev.kashierrotator.rotation.RotationRequest;
import dev.kashierrotator.rotation.RotationState;
import dev.kashierrotator.rotation.Trigger;
import dev.kashierrotator.schedule.DuePolicy.Verdict;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Starts scheduled rotations. Each tick evaluates every scheduled key against what it last saw in
 * Vault (read once, then only for keys that look due), starts the due ones with trigger
 * {@code scheduled}, and keeps the verdicts for metrics and the health report. Replicas all tick:
 * the claim and the expected version let only one of them rotate a key.
 */
@ApplicationScoped
public class RotationScheduler {

    private final Inventory inventory;
    private final KeyStore keys;
    private final RotationEngine engine;
    private final AuditTrail audit;
    private final SchedulePause pause;
    private final NoticeLedger ledger;
    private final Announcements announcements;
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();
    private final Map<String, Verdict> verdicts = new ConcurrentHashMap<>();
    private final Map<String, Stopped> stopped = new ConcurrentHashMap<>();

    /** A key version whose scheduled rotations failed too often. */
    private record Stopped(long version, String why) {}

    private volatile Instant lastTick;

    /** The current key as last read from Vault. */
    private record Seen(Instant rotatedAt, long version) {}

    /**
     * What one tick did.
     *
     * @param started   rotations started, by key id
     * @param skipped   due keys not started (running already, rotated meanwhile, dashboard), with why
     * @param overdue   keys past due
     */
    public record TickReport(int evaluated, List<String> started, Map<String, String> skipped, List<String> overdue) {}

    private final Clock clock;

    public RotationScheduler(
            Inventory inventory,
            KeyStore keys,
            RotationEngine engine,
            MeterRegistry metrics,
            AuditTrail audit,
            SchedulePause pause,
            NoticeLedger ledger,
            Announcements announcements,
            Clock clock) {
        this.clock = clock;
        this.audit = audit;
        this.pause = pause;
        this.ledger = ledger;
        this.announcements = announcements;
        this.inventory = inventory;
        this.keys = keys;
        this.engine = engine;
        for (KeySpec key : inventory.keys()) {
            if (key.schedule().isEmpty()) {
                continue;
            }
            Gauge.builder("rotator.key.age.seconds", () -> age(key.id()))
                    .tags("key", key.id(), "mode", key.mode().id())
                    .register(metrics);
            Gauge.builder("rotator.key.next.rotation.seconds", () -> untilDue(key.id()))
                    .tags("key", key.id(), "mode", key.mode().id())
                    .register(metrics);
        }
        Gauge.builder("rotator.keys.overdue", () -> overdue().size()).register(metrics);
        Gauge.builder("rotator.schedule.paused", () -> pause.lastRead().holds(clock.instant()) ? 1 : 0)
                .description("1 while scheduled rotations are paused (POST /api/v1/schedule/pause)")
                .register(metrics);
        Gauge.builder(
                        "rotator.schedule.pause.until.timestamp.seconds",
                        () -> pause.lastRead().holds(clock.instant())
                                ? pause.lastRead().until().getEpochSecond()
                                : Double.NaN)
                .description("When the pause of the schedule ends by itself (Unix seconds)")
                .register(metrics);
        Gauge.builder("rotator.keys.schedule.stopped", stopped, Map::size)
                .description("Keys whose scheduled rotations failed too often; the scheduler waits for a person")
                .register(metrics);
        // Every replica ticks (the claim in Vault decides who rotates); the newest tick across replicas
        // going stale means no replica is scheduling rotations at all.
        Gauge.builder(
                        "rotator.scheduler.last.tick.timestamp.seconds",
                        () -> lastTick == null ? Double.NaN : lastTick.getEpochSecond())
                .description("When this replica last evaluated the schedule (Unix seconds)")
                .register(metrics);
    }

    /** One pass over every scheduled key at {@code now}. */
    public TickReport tick(Instant now) {
        Duration overdueAfter = inventory.schedule().overdueAfter();
        List<String> started = new ArrayList<>();
        Map<String, String> skipped = new TreeMap<>();
        int evaluated = 0;
        pause.endIfRanOut(now).ifPresent(this::resumed);
        SchedulePause.State paused = pauseAt();
        for (KeySpec key : inventory.keys()) {
            if (key.schedule().isEmpty()) {
                continue;
            }
            Seen last = seen.computeIfAbsent(key.id(), id -> read(id).orElse(null));
            if (last == null) {
                continue;
            }
            evaluated++;
            Verdict verdict = DuePolicy.evaluate(key.id(), key.schedule().get(), last.rotatedAt(), now, overdueAfter);
            if (verdict.startNow()) {
                // Looks due from what we saw: read Vault again, another replica may have rotated it.
                Optional<Seen> fresh = read(key.id());
                if (fresh.isPresent() && fresh.get().version() != last.version()) {
                    seen.put(key.id(), fresh.get());
                    last = fresh.get();
                    verdict = DuePolicy.evaluate(key.id(), key.schedule().get(), last.rotatedAt(), now, overdueAfter);
                }
            }
            Verdict before = verdicts.put(key.id(), verdict);
            long version = last.version();
            if (verdict.overdue() && (before == null || !before.overdue())) {
                tellOverdue(key, version, verdict, now);
            }
            stopped.computeIfPresent(key.id(), (id, st) -> st.version() == version ? st : null);
            if (!verdict.startNow()) {
                continue;
            }
            if (paused.holds(now)) {
                skipped.put(
                        key.id(),
                        "schedule paused by " + paused.by() + " until " + paused.until() + ": " + paused.reason());
                continue;
            }
            RetryPolicy.Decision retry = retry(key.id(), last.version());
            if (!retry.mayStart(now)) {
                skipped.put(key.id(), retry.why());
                if (retry.gaveUp()) {
                    stopped.put(key.id(), new Stopped(version, retry.why()));
                }
                continue;
            }
            stopped.remove(key.id());
            try {
                Rotation r = engine.start(
                        key.id(),
                        new RotationRequest(
                                "scheduled: " + verdict.why(),
                                Trigger.SCHEDULED,
                                "scheduler",
                                OptionalLong.of(last.version())));
                started.add(key.id());
                audit.record(
                        new AuditEvent(
                                0,
                                now.toString(),
                                "scheduler",
                                "rotation.create",
                                key.id(),
                                r.id(),
                                "accepted",
                                202,
                                null,
                                verdict.why(),
                                null,
                                null),
                        false);
            } catch (RotationException e) {
                skipped.put(key.id(), e.getMessage());
                Log.debugf("scheduled rotation of %s not started: %s", key.id(), e.getMessage());
            }
        }
        lastTick = now;
        return new TickReport(evaluated, started, skipped, overdue());
    }

    /** The pause switch as stored, or as last read when Vault does not answer. */
    private SchedulePause.State pauseAt() {
        try {
            return pause.read();
        } catch (RuntimeException e) {
            // Vault is what failed, and nothing starts without it anyway: go by what was last read.
            Log.debugf("pause switch not read (%s); going by the last one read", e.getMessage());
            return pause.lastRead();
        }
    }

    /** A key went overdue: told once per key version, by whichever replica records it first. */
    private void tellOverdue(KeySpec key, long version, Verdict verdict, Instant now) {
        try {
            if (!ledger.first("overdue-" + key.id(), Long.toString(version))) {
                return;
            }
        } catch (RuntimeException e) {
            // Vault did not answer: the next tick that sees it overdue tries again.
            verdicts.remove(key.id());
            return;
        }
        announcements.announce(new Notice(
                "key-overdue",
                "overdue-" + key.id() + "-" + version,
                now,
                null,
                key.id(),
                key.mid(),
                key.mode().id(),
                null,
                key.mode().id() + " key " + key.id() + " (merchant " + key.mid() + ") is overdue for rotation: "
                        + verdict.why(),
                "Rotate it (POST /api/v1/keys/" + key.id() + "/rotations), or find what holds it back: "
                        + verdict.why(),
                null,
                null));
    }

    /** This replica recorded that a pause ran out. */
    private void resumed(SchedulePause.Change change) {
        announcements.announce(SchedulePause.notice(change));
        audit.record(
                new AuditEvent(
                        0,
                        change.after().at().toString(),
                        "scheduler",
                        "schedule.resume",
                        null,
                        null,
                        "accepted",
                        200,
                        null,
                        change.after().reason(),
                        null,
                        null),
                false);
    }

    /** What the key's last rotations say about trying again: only failures of its current version count. */
    private RetryPolicy.Decision retry(String keyId, long version) {
        int max = inventory.schedule().maxFailedAttempts();
        List<RetryPolicy.Attempt> attempts = engine.list(keyId, null, max + 2, r -> true).stream()
                .map(r -> new RetryPolicy.Attempt(
                        r.request().trigger() == Trigger.SCHEDULED,
                        r.state() == RotationState.FAILED
                                || r.state() == RotationState.ROLLED_BACK
                                || r.state() == RotationState.ABORTED,
                        r.oldKey().version(),
                        r.updatedAt()))
                .toList();
        return RetryPolicy.decide(attempts, version, inventory.schedule().retryBackoff(), max);
    }

    /** Keys the scheduler stopped rotating after too many failed tries, with why. */
    public Map<String, String> stopped() {
        Map<String, String> why = new TreeMap<>();
        stopped.forEach((id, st) -> why.put(id, st.why()));
        return why;
    }

    /** Keys past due at the last tick. */
    public List<String> overdue() {
        return verdicts.entrySet().stream()
                .filter(e -> e.getValue().overdue())
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
    }

    /** When the last tick ran, if one did. */
    public Optional<Instant> lastTick() {
        return Optional.ofNullable(lastTick);
    }

    private Optional<Seen> read(String keyId) {
        return keys.current(keyId).map(k -> new Seen(k.rotatedAt(), k.version()));
    }

    private double age(String keyId) {
        Seen s = seen.get(keyId);
        return s == null
                ? Double.NaN
                : Duration.between(s.rotatedAt(), clock.instant()).toSeconds();
    }

    private double untilDue(String keyId) {
        Verdict v = verdicts.get(keyId);
        return v == null || v.dueAt() == null
                ? Double.NaN
                : Duration.between(clock.instant(), v.dueAt()).toSeconds();
    }
}
