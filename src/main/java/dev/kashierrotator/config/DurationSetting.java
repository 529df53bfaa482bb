package dev.kashierrotator.config;

import dev.kashierrotator.util.Durations;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A duration as the configuration gives it ({@code 500ms}, {@code 30s}, {@code 15m}, {@code 2h}, {@code 30d},
 * {@code 1h30m} or ISO-8601), converted as it is read (SmallRye Config calls {@link #of}). Text that is no
 * duration is kept, not thrown on, so that the check naming its entry adds it to the one collector of
 * problems with every other ({@link #in}).
 */
public final class DurationSetting {

    private final String text;
    private final Duration value;

    private DurationSetting(String text, Duration value) {
        this.text = text;
        this.value = value;
    }

    /** The setting read from {@code text}; SmallRye Config's implicit converter. */
    public static DurationSetting of(String text) {
        return new DurationSetting(text, Durations.parse(text).orElse(null));
    }

    /** The duration, if the text is one. */
    public Optional<Duration> value() {
        return Optional.ofNullable(value);
    }

    /** The duration of the entry {@code at}; when the text is none, a problem naming it (and zero meanwhile). */
    public Duration in(String at, ConfigurationProblems problems) {
        if (value == null) {
            problems.add(at, "'" + text + "' is not a duration (use e.g. 30s, 15m, 2h, 30d)");
            return Duration.ZERO;
        }
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DurationSetting other && Objects.equals(text, other.text);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(text);
    }

    @Override
    public String toString() {
        return text;
    }
}
