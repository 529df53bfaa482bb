package dev.kashierrotator.inventory;

import dev.kashierrotator.config.Choice;
import org.eclipse.microprofile.config.spi.Converter;

/** What a webhook's {@code key.rotated} carries ({@code rotator.dependents.<id>.delivery}). */
public enum Delivery {
    /** The key itself, in the signed body. */
    INLINE("inline"),
    /** Only the Vault path where the dependent reads it. */
    REFERENCE("reference");

    private final String id;

    Delivery(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** Reads a delivery as configured, keeping other text for the check that names the entry. */
    public static final class Setting implements Converter<Choice<Delivery>> {
        @Override
        public Choice<Delivery> convert(String text) {
            return Choice.read(text, values(), Delivery::id);
        }
    }
}
