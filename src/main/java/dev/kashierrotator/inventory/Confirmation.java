package dev.kashierrotator.inventory;

import dev.kashierrotator.config.Choice;
import org.eclipse.microprofile.config.spi.Converter;

/** How a vault-kv dependent's consuming service confirms that it uses the new key. */
public enum Confirmation {
    /** The consumer's verify URL reports the fingerprint it uses (the webhook protocol's verify-url). */
    VERIFY_URL("verify-url"),
    /** The consumer writes the fingerprint it uses to {@code <confirm-path>/<keyId>}, a Vault path its policy allows. */
    CONFIRM_PATH("confirm-path"),
    /** Only that Vault holds the new key: the service reads its own write back. */
    READ_BACK("read-back");

    private final String id;

    Confirmation(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** Reads a confirmation as configured, keeping other text for the check naming its entry. */
    public static final class Setting implements Converter<Choice<Confirmation>> {
        @Override
        public Choice<Confirmation> convert(String text) {
            return Choice.read(text, values(), Confirmation::id);
        }
    }
}
