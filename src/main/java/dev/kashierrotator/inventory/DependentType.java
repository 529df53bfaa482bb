package dev.kashierrotator.inventory;

import java.util.Arrays;
import java.util.Optional;

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

    public static Optional<DependentType> of(String text) {
        return Arrays.stream(values()).filter(t -> t.id.equals(text)).findFirst();
    }

    @Override
    public String toString() {
        return id;
    }
}
