package dev.kashierrotator.inventory;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A period in which scheduled rotations do not start: weekly ({@code SAT-SUN}, {@code FRI 18:00-23:59},
 * {@code MON-FRI 09:00-17:00}), read in a time zone (so {@code FRI 18:00-23:59} in {@code Africa/Cairo}
 * follows Egypt's daylight saving time), or absolute ({@code <ISO instant>/<ISO instant>}).
 */
public abstract sealed class Blackout permits Blackout.Weekly, Blackout.Absolute {

    private static final Pattern WEEKLY = Pattern.compile(
            "(MON|TUE|WED|THU|FRI|SAT|SUN)(?:-(MON|TUE|WED|THU|FRI|SAT|SUN))?(?:\\s+(\\d{2}:\\d{2})-(\\d{2}:\\d{2}))?");

    private final String text;

    Blackout(String text) {
        this.text = text;
    }

    /** Whether the instant falls in this period. */
    public abstract boolean covers(Instant t);

    @Override
    public String toString() {
        return text;
    }

    /** The period, weekly ones in UTC, or empty when the text is not one. */
    public static Optional<Blackout> parse(String text) {
        return parse(text, ZoneOffset.UTC);
    }

    /** The period, weekly ones read in this zone, or empty when the text is not one. */
    public static Optional<Blackout> parse(String text, ZoneId zone) {
        String t = text.trim();
        int slash = t.indexOf('/');
        if (slash > 0) {
            try {
                Instant from = Instant.parse(t.substring(0, slash));
                Instant to = Instant.parse(t.substring(slash + 1));
                return to.isAfter(from) ? Optional.of(new Absolute(t, from, to)) : Optional.empty();
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }
        Matcher m = WEEKLY.matcher(t.toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            return Optional.empty();
        }
        DayOfWeek first = day(m.group(1));
        DayOfWeek last = m.group(2) == null ? first : day(m.group(2));
        try {
            LocalTime from = m.group(3) == null ? LocalTime.MIN : LocalTime.parse(m.group(3));
            LocalTime to = m.group(4) == null ? LocalTime.MAX : LocalTime.parse(m.group(4));
            String shown = zone.equals(ZoneOffset.UTC) ? t : t + " " + zone.getId();
            return to.isAfter(from) ? Optional.of(new Weekly(shown, first, last, from, to, zone)) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static DayOfWeek day(String d) {
        for (DayOfWeek dow : DayOfWeek.values()) {
            if (dow.name().startsWith(d)) {
                return dow;
            }
        }
        throw new IllegalArgumentException(d);
    }

    /** Some days of every week, optionally between two times of day. */
    static final class Weekly extends Blackout {
        private final DayOfWeek first;
        private final DayOfWeek last;
        private final LocalTime from;
        private final LocalTime to;
        private final ZoneId zone;

        Weekly(String text, DayOfWeek first, DayOfWeek last, LocalTime from, LocalTime to, ZoneId zone) {
            super(text);
            this.first = first;
            this.last = last;
            this.from = from;
            this.to = to;
            this.zone = zone;
        }

        @Override
        public boolean covers(Instant t) {
            ZonedDateTime z = t.atZone(zone);
            int d = z.getDayOfWeek().getValue();
            boolean day = first.getValue() <= last.getValue()
                    ? d >= first.getValue() && d <= last.getValue()
                    : d >= first.getValue() || d <= last.getValue();
            LocalTime time = z.toLocalTime();
            return day && !time.isBefore(from) && !time.isAfter(to);
        }
    }

    /** One stretch of time. */
    static final class Absolute extends Blackout {
        private final Instant from;
        private final Instant to;

        Absolute(String text, Instant from, Instant to) {
            super(text);
            this.from = from;
            this.to = to;
        }

        @Override
        public boolean covers(Instant t) {
            return !t.isBefore(from) && t.isBefore(to);
        }
    }
}
