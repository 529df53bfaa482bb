package dev.kashierrotator.schedule;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.kashierrotator.inventory.Blackout;
import dev.kashierrotator.inventory.SchedulePolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;

/**
 * Decides, for one key, whether a scheduled rotation may start now. Pure: no I/O, so one tick over
 * thousands of keys is cheap and the rules are testable on their own.
 *
 * <ul>
 *   <li>Due at: {@code every} after the last rotation, or the first {@code cron} time after it, plus
 *       a fixed per-key offset of up to {@code jitter} (the same on every replica).</li>
 *   <li>Window: a due rotation may start only within {@code window} after a window opens. Windows open
 *       at the due time and, if that one is missed, every day at the same time ({@code every}) or at
 *       each later cron time ({@code cron}). No window: any time once due.</li>
 *   <li>Blackouts: never inside one.</li>
 *   <li>Overdue: due, and {@code overdueAfter} past the close of the first window, still not rotated.</li>
 * </ul>
 */
public final class DuePolicy {

    private static final CronParser PARSER =
            new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));
    private static final Map<String, ExecutionTime> CRONS = new ConcurrentHashMap<>();
    private static final Duration DAY = Duration.ofDays(1);
    private static final Map<CronAfter, Optional<Instant>> NEXT_CRON = new ConcurrentHashMap<>();

    private record CronAfter(String expression, ZoneId zone, Instant after) {}

    private DuePolicy() {}

    /** Why a key may or may not start now. */
    public enum Reason {
        NO_NEXT_TIME,
        NOT_DUE,
        OUTSIDE_WINDOW,
        BLACKOUT,
        DUE
    }

    /**
     * What the schedule says about a key now. The human reason is built only when asked for: a tick
     * over thousands of keys must not format thousands of strings.
     *
     * @param startNow  a scheduled rotation may start now
     * @param overdue   the key should have rotated by now and did not
     * @param dueAt     when it falls (fell) due, jitter included
     * @param window    the start window, for OUTSIDE_WINDOW
     * @param blackout  the blackout in force, for BLACKOUT
     */
    public record Verdict(
            boolean startNow, boolean overdue, Instant dueAt, Reason reason, Duration window, Blackout blackout) {

        /** A short reason, for logs and the rotation record. */
        public String why() {
            return switch (reason) {
                case NO_NEXT_TIME -> "no next time in the schedule";
                case NOT_DUE -> "due at " + dueAt;
                case OUTSIDE_WINDOW -> "due since " + dueAt + ", outside its " + window + " window";
                case BLACKOUT -> "due since " + dueAt + ", in blackout " + blackout;
                case DUE -> "due since " + dueAt;
            };
        }
    }

    public static Verdict evaluate(
            String keyId, SchedulePolicy policy, Instant lastRotatedAt, Instant now, Duration overdueAfter) {
        Instant plain = nextAfter(policy, lastRotatedAt).orElse(null);
        if (plain == null) {
            return new Verdict(false, false, null, Reason.NO_NEXT_TIME, null, null);
        }
        Duration offset = offset(keyId, policy.jitter());
        Instant dueAt = plain.plus(offset);
        if (now.isBefore(dueAt)) {
            return new Verdict(false, false, dueAt, Reason.NOT_DUE, null, null);
        }
        Duration window = policy.window().orElse(null);
        boolean overdue =
                now.isAfter(dueAt.plus(window == null ? Duration.ZERO : window).plus(overdueAfter));
        if (window != null) {
            Instant opened = windowOpenedAt(policy, dueAt, offset, now);
            if (now.isAfter(opened.plus(window))) {
                return new Verdict(false, overdue, dueAt, Reason.OUTSIDE_WINDOW, window, null);
            }
        }
        for (Blackout b : policy.blackouts()) {
            if (b.covers(now)) {
                return new Verdict(false, overdue, dueAt, Reason.BLACKOUT, null, b);
            }
        }
        return new Verdict(true, overdue, dueAt, Reason.DUE, null, null);
    }

    /** When the schedule next falls due after the last rotation, without jitter. */
    public static Optional<Instant> nextAfter(SchedulePolicy policy, Instant lastRotatedAt) {
        if (lastRotatedAt == null) {
            return Optional.empty();
        }
        if (policy.every().isPresent()) {
            return Optional.of(lastRotatedAt.plus(policy.every().get()));
        }
        String expression = policy.cron().orElse(null);
        if (expression == null) {
            return Optional.empty();
        }
        // Stable until the key rotates again, and cron arithmetic is the costly part of a tick.
        if (NEXT_CRON.size() > 100_000) {
            NEXT_CRON.clear();
        }
        return NEXT_CRON.computeIfAbsent(
                new CronAfter(expression, policy.zone(), lastRotatedAt),
                k -> cron(expression)
                        .nextExecution(lastRotatedAt.atZone(policy.zone()))
                        .map(ZonedDateTime::toInstant));
    }

    /** The start of the latest window that opened at or before now. */
    private static Instant windowOpenedAt(SchedulePolicy policy, Instant dueAt, Duration offset, Instant now) {
        if (policy.every().isPresent()) {
            long days = Duration.between(dueAt, now).toMillis() / DAY.toMillis();
            return dueAt.plus(DAY.multipliedBy(days));
        }
        Instant last = cron(policy.cron().orElseThrow())
                .lastExecution(now.minus(offset).atZone(policy.zone()))
                .map(z -> z.toInstant().plus(offset))
                .orElse(dueAt);
        return last.isBefore(dueAt) ? dueAt : last;
    }

    /** A fixed offset in [0, jitter) from the key id, so every replica computes the same time. */
    static Duration offset(String keyId, Duration jitter) {
        if (jitter.isZero()) {
            return Duration.ZERO;
        }
        CRC32 crc = new CRC32();
        crc.update(keyId.getBytes(StandardCharsets.UTF_8));
        return Duration.ofMillis(crc.getValue() % jitter.toMillis());
    }

    private static ExecutionTime cron(String expression) {
        return CRONS.computeIfAbsent(expression, e -> ExecutionTime.forCron(PARSER.parse(e)));
    }
}
