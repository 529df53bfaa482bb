package dev.kashierrotator.inventory;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.kashierrotator.config.Choice;
import dev.kashierrotator.util.KeyShapes;
import java.util.Arrays;
import java.util.Optional;
import org.eclipse.microprofile.config.spi.Converter;

/** The two kinds of Kashier key the service rotates. */
public enum KeyKind {
    /** Signs order hashes and validates callbacks; an account may hold several, so rotation can overlap. */
    PAYMENT_API_KEY("payment-api-key", KeyShapes.PAYMENT_API_KEY, "payment API key (a UUID: 8-4-4-4-12 hex)"),
    /** Authenticates REST calls; changing a user's key expires the old one at once. */
    SECRET_KEY("secret-key", KeyShapes.SECRET_KEY, "secret key (32 hex, '$', 96 hex)");

    private final String id;
    private final String shape;
    private final String looksLike;

    KeyKind(String id, String shape, String looksLike) {
        this.id = id;
        this.shape = shape;
        this.looksLike = looksLike;
    }

    /** The form used in config, the API and the rotation record. */
    @JsonValue
    public String id() {
        return id;
    }

    /** Exactly the shape of this kind of key (a regular expression, shared with the log mask). */
    public String shape() {
        return shape;
    }

    /** What such a key looks like, for a person who sent something else. */
    public String looksLike() {
        return looksLike;
    }

    public static Optional<KeyKind> of(String text) {
        return Arrays.stream(values()).filter(k -> k.id.equals(text)).findFirst();
    }

    /**
     * The kind written as {@code text} in a rotation record, or null when it is none (an older version or a
     * hand edit left it blank): such a record is judged by its key's kind in the inventory, never refused whole.
     */
    @JsonCreator
    static KeyKind read(String text) {
        return of(text).orElse(null);
    }

    @Override
    public String toString() {
        return id;
    }

    /** Reads a key kind as configured, keeping other text for the check naming its entry. */
    public static final class Setting implements Converter<Choice<KeyKind>> {
        @Override
        public Choice<KeyKind> convert(String text) {
            return Choice.read(text, values(), KeyKind::id);
        }
    }
}
