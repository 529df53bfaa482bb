package dev.kashierrotator.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.inventory.Blackout;
import dev.kashierrotator.inventory.SchedulePolicy;
import dev.kashierrotator.schedule.DuePolicy.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The schedule rules on their own: due times, windows, jitter, blackouts, overdue. */
@Tag("fast")
class DuePolicyTest {

    private static final Instant LAST = Instant.parse("2026-11-01T03:00:00Z");
    private static final Duration OVERDUE_AFTER = Duration.ofMinutes(10);
    private static final ZoneId CAIRO = ZoneId.of("Africa/Cairo");

    private static SchedulePolicy every(String every, String window, String jitter, String... blackouts) {
        return new SchedulePolicy(
                Optional.of(Duration.parse(every)),
                Optional.empty(),
                Optional.ofNullable(window).map(Duration::parse),
                jitter == null ? Duration.ZERO : Duration.parse(jitter),
                List.of(blackouts).stream()
                        .map(b -> Blackout.parse(b).orElseThrow())
                        .toList(),
                ZoneOffset.UTC);
    }

    private static SchedulePolicy cron(String cron, String window) {
        return cron(cron, window, ZoneOffset.UTC);
    }

    private static SchedulePolicy cron(String cron, String window, ZoneId zone) {
        return new SchedulePolicy(
                Optional.empty(),
                Optional.of(cron),
                Optional.ofNullable(window).map(Duration::parse),
                Duration.ZERO,
                List.of(),
                zone);
    }

    private static Verdict at(SchedulePolicy p, String now) {
        return DuePolicy.evaluate("main-test-payment", p, LAST, Instant.parse(now), OVERDUE_AFTER);
    }

    @Test
    void everyFallsDueAfterThePeriod() {
        SchedulePolicy p = every("P30D", null, null);
        assertFalse(at(p, "2026-12-01T02:59:59Z").startNow());
        Verdict due = at(p, "2026-12-01T03:00:00Z");
        assertTrue(due.startNow());
        assertEquals(Instant.parse("2026-12-01T03:00:00Z"), due.dueAt());
        assertFalse(due.overdue());
    }

    @Test
    void windowLimitsTheStartAndReopensDailyForEvery() {
        SchedulePolicy p = every("P30D", "PT2H", null);
        assertTrue(at(p, "2026-12-01T04:59:00Z").startNow(), "inside the first window");
        Verdict missed = at(p, "2026-12-01T05:30:00Z");
        assertFalse(missed.startNow(), "after the window closed");
        assertTrue(missed.overdue(), "past window + overdue-after");
        assertTrue(at(p, "2026-12-02T03:30:00Z").startNow(), "the window opens again the next day");
        assertTrue(at(p, "2026-12-02T03:30:00Z").overdue());
    }

    @Test
    void cronWindowsOpenAtEachCronTime() {
        SchedulePolicy p = cron("0 0 3 1 * ?", "PT1H");
        assertFalse(at(p, "2026-11-20T00:00:00Z").startNow());
        assertTrue(at(p, "2026-12-01T03:30:00Z").startNow());
        assertFalse(at(p, "2026-12-01T04:30:00Z").startNow(), "window of 1h closed");
        assertTrue(at(p, "2027-01-01T03:10:00Z").startNow(), "next cron time opens a new window");
        assertEquals(
                Instant.parse("2026-12-01T03:00:00Z"),
                at(p, "2027-01-01T03:10:00Z").dueAt());
    }

    @Test
    void jitterIsAFixedPerKeyOffsetWithinTheBound() {
        Duration jitter = Duration.ofHours(1);
        Set<Duration> offsets = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            Duration d = DuePolicy.offset("key-" + i, jitter);
            assertTrue(!d.isNegative() && d.compareTo(jitter) < 0);
            assertEquals(d, DuePolicy.offset("key-" + i, jitter), "the same on every replica and every tick");
            offsets.add(d);
        }
        assertTrue(offsets.size() > 40, "keys are spread out");
        Verdict v = at(every("P30D", null, "PT1H"), "2026-12-01T04:00:00Z");
        assertEquals(
                Instant.parse("2026-12-01T03:00:00Z").plus(DuePolicy.offset("main-test-payment", jitter)), v.dueAt());
    }

    @Test
    void blackoutsStopScheduledStarts() {
        // 2026-12-05 is a Saturday.
        SchedulePolicy weekend = every("P30D", null, null, "SAT-SUN");
        assertFalse(at(weekend, "2026-12-05T10:00:00Z").startNow());
        assertTrue(at(weekend, "2026-12-05T10:00:00Z").why().contains("blackout"));
        assertTrue(at(weekend, "2026-12-07T00:00:00Z").startNow(), "Monday");
        SchedulePolicy evenings = every("P30D", null, null, "MON-FRI 18:00-23:59");
        assertFalse(at(evenings, "2026-12-02T19:00:00Z").startNow());
        assertTrue(at(evenings, "2026-12-02T17:59:00Z").startNow());
        SchedulePolicy freeze = every("P30D", null, null, "2026-12-01T00:00:00Z/2026-12-03T00:00:00Z");
        assertFalse(at(freeze, "2026-12-02T12:00:00Z").startNow());
        assertTrue(at(freeze, "2026-12-03T00:00:00Z").startNow());
    }

    @Test
    void blackoutTextIsParsedOrRefused() {
        assertTrue(Blackout.parse("fri 18:00-23:59").isPresent());
        assertTrue(Blackout.parse("SUN-TUE").orElseThrow().covers(Instant.parse("2026-11-30T12:00:00Z")), "Monday");
        assertFalse(Blackout.parse("weekends").isPresent());
        assertFalse(Blackout.parse("SAT 18:00-09:00").isPresent());
        assertFalse(Blackout.parse("2026-12-03T00:00:00Z/2026-12-01T00:00:00Z").isPresent());
    }

    @Test
    void aWeeklyBlackoutInCairoFollowsEgyptsDaylightSavingTime() {
        // Friday 09:00-17:00 Cairo time is 07:00-15:00 UTC in winter (EET, +2) and 06:00-14:00 UTC in summer
        // (EEST, +3, from the last Friday of April to the last Thursday of October).
        Blackout cairo = Blackout.parse("FRI 09:00-17:00", CAIRO).orElseThrow();
        assertEquals("FRI 09:00-17:00 Africa/Cairo", cairo.toString(), "the zone is shown with the period");
        assertTrue(cairo.covers(Instant.parse("2026-12-04T07:00:00Z")), "winter Friday, 09:00 in Cairo");
        assertFalse(cairo.covers(Instant.parse("2026-12-04T06:30:00Z")), "winter Friday, 08:30 in Cairo");
        assertFalse(cairo.covers(Instant.parse("2026-12-04T15:30:00Z")), "winter Friday, 17:30 in Cairo");
        assertTrue(cairo.covers(Instant.parse("2026-07-03T06:30:00Z")), "summer Friday, 09:30 in Cairo");
        assertFalse(cairo.covers(Instant.parse("2026-07-03T14:30:00Z")), "summer Friday, 17:30 in Cairo");
        assertTrue(
                Blackout.parse("FRI 09:00-17:00").orElseThrow().covers(Instant.parse("2026-07-03T14:30:00Z")),
                "the same text in UTC");
    }

    @Test
    void aCronScheduleInCairoFiresAtTheSameLocalTimeAcrossTheDaylightSavingChange() {
        // 03:00 Cairo time on the 1st of each month: 00:00 UTC on 1 October (EEST), 01:00 UTC on 1 November.
        SchedulePolicy p = cron("0 0 3 1 * ?", "PT1H", CAIRO);
        Instant october = Instant.parse("2026-10-01T00:00:00Z");
        assertEquals(Optional.of(Instant.parse("2026-11-01T01:00:00Z")), DuePolicy.nextAfter(p, october));
        assertEquals(
                Optional.of(october),
                DuePolicy.nextAfter(p, Instant.parse("2026-09-15T00:00:00Z")),
                "the summer one an hour earlier in UTC");
        Verdict v = DuePolicy.evaluate("k", p, october, Instant.parse("2026-11-01T01:30:00Z"), OVERDUE_AFTER);
        assertTrue(v.startNow(), "inside the window that opened at 03:00 Cairo time: " + v.why());
        assertFalse(
                DuePolicy.evaluate("k", p, october, Instant.parse("2026-11-01T02:30:00Z"), OVERDUE_AFTER)
                        .startNow(),
                "the one-hour window closed at 04:00 Cairo time");
    }
}
