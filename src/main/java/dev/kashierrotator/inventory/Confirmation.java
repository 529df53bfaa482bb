package dev.kashierrotator.inventory;

import java.util.Arrays;
import java.util.Optional;

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

    public static Optional<Confirmation> of(String id) {
        return Arrays.stream(values()).filter(c -> c.id.equals(id)).findFirst();
    }
}
