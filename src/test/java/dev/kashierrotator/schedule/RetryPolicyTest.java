package dev.kashierrotator.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.schedule.RetryPolicy.Attempt;
import dev.kashierrotator.schedule.RetryPolicy.Decision;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The scheduler's backoff after failed scheduled rotations, on its own (finding 10). */
@Tag("fast")
class RetryPolicyTest {

    private static final Instant T = Instant.parse("2026-11-29T03:00:00Z");
    private static final Duration HOUR = Duration.ofHours(1);

    private static Attempt failed(boolean scheduled, long version, Instant ended) {
        return new Attempt(scheduled, true, version, ended);
    }

    @Test
    void nothingFailedNothingToWaitFor() {
        assertTrue(RetryPolicy.decide(List.of(), 7, HOUR, 3).mayStart(T));
        assertTrue(RetryPolicy.decide(List.of(new Attempt(true, false, 6, T)), 7, HOUR, 3)
                .mayStart(T));
    }

    @Test
    void eachFailureDoublesTheWaitUntilTheSchedulerStops() {
        Decision one = RetryPolicy.decide(List.of(failed(true, 7, T)), 7, HOUR, 3);
        assertEquals(Optional.of(T.plus(HOUR)), one.notBefore());
        assertFalse(one.mayStart(T.plus(Duration.ofMinutes(59))));
        assertTrue(one.mayStart(T.plus(HOUR)));

        Decision two =
                RetryPolicy.decide(List.of(failed(true, 7, T), failed(true, 7, T.minusSeconds(9000))), 7, HOUR, 3);
        assertEquals(Optional.of(T.plus(Duration.ofHours(2))), two.notBefore(), "from the newest failure, doubled");

        Decision three =
                RetryPolicy.decide(List.of(failed(true, 7, T), failed(true, 7, T), failed(true, 7, T)), 7, HOUR, 3);
        assertTrue(three.gaveUp());
        assertFalse(three.mayStart(T.plus(Duration.ofDays(365))));
        assertTrue(three.why().contains("rotate it by hand"));
    }

    @Test
    void onlyFailuresOfTheCurrentVersionCountAndAPersonsTryIsSkippedOver() {
        assertTrue(
                RetryPolicy.decide(List.of(failed(true, 6, T)), 7, HOUR, 3).mayStart(T),
                "a failure of an older version: the key rotated since");
        Decision d = RetryPolicy.decide(List.of(failed(false, 7, T), failed(true, 7, T.minusSeconds(60))), 7, HOUR, 3);
        assertEquals(1, d.failures());
        assertEquals(Optional.of(T.minusSeconds(60).plus(HOUR)), d.notBefore());
        assertTrue(
                RetryPolicy.decide(List.of(new Attempt(false, false, 7, T), failed(true, 7, T)), 7, HOUR, 3)
                        .mayStart(T),
                "a person's rotation that ended well starts afresh");
    }
}
