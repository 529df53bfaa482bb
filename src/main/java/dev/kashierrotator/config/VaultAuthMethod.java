package dev.kashierrotator.config;

import org.eclipse.microprofile.config.spi.Converter;

/** How the service gets its Vault token ({@code rotator.vault.auth.method}). */
public enum VaultAuthMethod {
    /** A token given as it is ({@code rotator.vault.token} or {@code VAULT_TOKEN}). */
    TOKEN("token"),
    /** A login with a role id and a secret id. */
    APPROLE("approle"),
    /** A login with the pod's service account token. */
    KUBERNETES("kubernetes");

    private final String id;

    VaultAuthMethod(String id) {
        this.id = id;
    }

    /** As configured; also the auth method's default mount path and the login metric's label. */
    public String id() {
        return id;
    }

    @Override
    public String toString() {
        return id;
    }

    /** Reads the method as configured, keeping other text for the check that names the entry. */
    public static final class Setting implements Converter<Choice<VaultAuthMethod>> {
        @Override
        public Choice<VaultAuthMethod> convert(String text) {
            return Choice.read(text, values(), VaultAuthMethod::id);
        }
    }
}
