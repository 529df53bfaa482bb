package dev.kashierrotator.inventory;

import dev.kashierrotator.config.Choice;
import org.eclipse.microprofile.config.spi.Converter;

/** How a dependent receives keys. */
public enum DependentType {
    WEBHOOK("webhook"),
    VAULT_KV("vault-kv"),
    KUBERNETES_SECRET("kubernetes-secret");

    private final String id;

    DependentType(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    @Override
    public String toString() {
        return id;
    }

    /** Reads a dependent type as configured, keeping other text for the check naming its entry. */
    public static final class Setting implements Converter<Choice<DependentType>> {
        @Override
        public Choice<DependentType> convert(String text) {
            return Choice.read(text, values(), DependentType::id);
        }
    }
}
