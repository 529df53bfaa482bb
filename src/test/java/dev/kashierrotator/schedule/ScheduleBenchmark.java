package dev.kashierrotator.schedule;

import dev.kashierrotator.inventory.Blackout;
import dev.kashierrotator.inventory.SchedulePolicy;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Benchmark (not a test): the cost of one scheduler tick's evaluation over 10,000 keys, with a mix of
 * every/cron schedules, windows, jitter and blackouts, as {@link RotationScheduler#tick} does it from
 * what it last read from Vault. Run: {@code ./mvnw -Pbench -q test-compile exec:exec}.
 */
public final class ScheduleBenchmark {

    private ScheduleBenchmark() {}

    public static void main(String[] args) {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        List<Blackout> blackouts = List.of(
                Blackout.parse("SAT-SUN").orElseThrow(),
                Blackout.parse("2026-12-31T00:00:00Z/2027-01-02T00:00:00Z").orElseThrow());
        String[] crons = {"0 0 3 1 * ?", "0 30 2 ? * MON", "0 0 */6 * * ?", "0 15 4 1/14 * ?"};
        List<String> ids = new ArrayList<>();
        Map<String, SchedulePolicy> policies = new HashMap<>();
        Map<String, Instant> lastRotated = new HashMap<>();
        Instant now = Instant.parse("2026-11-29T10:00:00Z");
        for (int i = 0; i < keys; i++) {
            String id = "merchant-" + i + (i % 2 == 0 ? "-test" : "-live") + "-payment";
            boolean cron = i % 3 == 0;
            SchedulePolicy p = new SchedulePolicy(
                    cron ? Optional.empty() : Optional.of(Duration.ofDays(7 + i % 60)),
                    cron ? Optional.of(crons[i % crons.length]) : Optional.empty(),
                    i % 4 == 0 ? Optional.empty() : Optional.of(Duration.ofHours(1 + i % 6)),
                    i % 5 == 0 ? Duration.ZERO : Duration.ofMinutes(30),
                    i % 7 == 0 ? blackouts : List.of(),
                    i % 2 == 0 ? ZoneOffset.UTC : ZoneId.of("Africa/Cairo"));
            ids.add(id);
            policies.put(id, p);
            lastRotated.put(id, now.minus(Duration.ofHours(i % (24 * 90))));
        }
        Duration overdueAfter = Duration.ofMinutes(10);
        int due = 0;
        for (int warm = 0; warm < 30; warm++) {
            due = tick(ids, policies, lastRotated, now.plusSeconds(warm * 60L), overdueAfter);
        }
        int rounds = 100;
        long[] nanos = new long[rounds];
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            due = tick(ids, policies, lastRotated, now.plusSeconds(r * 60L), overdueAfter);
            nanos[r] = System.nanoTime() - t0;
        }
        Arrays.sort(nanos);
        System.out.printf(
                "scheduler tick over %d keys: median %.2f ms, p95 %.2f ms, max %.2f ms (%d due in the "
                        + "last tick; %d rounds after 30 warm-up)%n",
                keys,
                nanos[rounds / 2] / 1e6,
                nanos[(int) (rounds * 0.95)] / 1e6,
                nanos[rounds - 1] / 1e6,
                due,
                rounds);
        Runtime rt = Runtime.getRuntime();
        System.out.printf("heap in use after the run: %d MiB%n", (rt.totalMemory() - rt.freeMemory()) >> 20);
    }

    private static int tick(
            List<String> ids,
            Map<String, SchedulePolicy> policies,
            Map<String, Instant> lastRotated,
            Instant now,
            Duration overdueAfter) {
        int due = 0;
        for (String id : ids) {
            if (DuePolicy.evaluate(id, policies.get(id), lastRotated.get(id), now, overdueAfter)
                    .startNow()) {
                due++;
            }
        }
        return due;
    }
}
