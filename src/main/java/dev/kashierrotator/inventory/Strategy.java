package dev.kashierrotator.inventory;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.kashierrotator.config.Choice;
import org.eclipse.microprofile.config.spi.Converter;

/** How a secret key changes hands ({@code rotator.keys.<id>.strategy}). */
public enum Strategy {
    /** One dashboard user's key is changed in place: the old key dies at the change. */
    SINGLE_USER("single-user"),
    /** Two users take turns: the other user's key is made new while the current one keeps working. */
    ALTERNATING_USERS("alternating-users");

    private final String id;

    Strategy(String id) {
        this.id = id;
    }

    @JsonValue
    public String id() {
        return id;
    }

    @Override
    public String toString() {
        return id;
    }

    /** Reads a strategy as configured, keeping other text for the check that names the entry. */
    public static final class Setting implements Converter<Choice<Strategy>> {
        @Override
        public Choice<Strategy> convert(String text) {
            return Choice.read(text, values(), Strategy::id);
        }
    }
}
