package dev.kashierrotator.inventory;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.kashierrotator.config.Choice;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.microprofile.config.spi.Converter;

/** Kashier's two isolated modes: objects of one can never touch the other. */
public enum Mode {
    TEST,
    LIVE;

    /** The form used in config, URLs, the API and the rotation record. */
    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Mode> of(String text) {
        if ("test".equals(text)) {
            return Optional.of(TEST);
        }
        if ("live".equals(text)) {
            return Optional.of(LIVE);
        }
        return Optional.empty();
    }

    /**
     * The mode written as {@code text} in a rotation record, or null when it is none (an older version or a
     * hand edit left it blank): such a record is judged by its key's mode in the inventory, never refused whole.
     */
    @JsonCreator
    static Mode read(String text) {
        return of(text).orElse(null);
    }

    @Override
    public String toString() {
        return id();
    }

    /** Reads a mode as configured, keeping other text for the check naming its entry. */
    public static final class Setting implements Converter<Choice<Mode>> {
        @Override
        public Choice<Mode> convert(String text) {
            return Choice.read(text, values(), Mode::id);
        }
    }
}
