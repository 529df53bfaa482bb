package dev.kashierrotator.rollout;

import dev.kashierrotator.inventory.DependentSpec;
import dev.kashierrotator.inventory.DependentType;
import dev.kashierrotator.rotation.Delivery;
import dev.kashierrotator.rotation.StoredKey;
import dev.kashierrotator.rotation.Target;
import dev.kashierrotator.vault.CasConflictException;
import dev.kashierrotator.vault.VaultKv;
import dev.kashierrotator.vault.VaultUnavailableException;
import dev.kashierrotator.vault.Versioned;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * vault-kv dependents (docs/configuration.md, Vault layout): the key is written to {@code <mount>/<path>/<keyId>} in the same
 * shape as the key path, plus {@code previousKey} while a payment key's grace runs. Vault-integrated
 * services read it there with their own narrow policy.
 */
@ApplicationScoped
public class VaultKvTarget implements Target {

    private final VaultKv kv;

    public VaultKvTarget(VaultKv kv) {
        this.kv = kv;
    }

    @Override
    public DependentType type() {
        return DependentType.VAULT_KV;
    }

    @Override
    public boolean deliver(DependentSpec dependent, Delivery delivery) {
        String path = path(dependent, delivery);
        Map<String, String> data = new LinkedHashMap<>();
        StoredKey key = delivery.newKey();
        data.put("key", key.value());
        data.put("fingerprint", key.fingerprint());
        key.kashierKeyId().ifPresent(id -> data.put("kashierKeyId", id));
        data.put("rotatedAt", key.rotatedAt().toString());
        if (delivery.graceUntil().isPresent() && delivery.previousKey().isPresent()) {
            data.put("previousKey", delivery.previousKey().get().value());
            data.put("previousFingerprint", delivery.previousKey().get().fingerprint());
            data.put("graceUntil", delivery.graceUntil().get().toString());
        }
        try {
            long current = kv.read(path).map(Versioned::version).orElse(0L);
            kv.write(path, data, current);
        } catch (CasConflictException e) {
            throw new DeliveryException("another writer changed " + kv.mount() + "/" + path + " at the same time");
        } catch (VaultUnavailableException e) {
            throw new DeliveryException(e.getMessage());
        }
        // A write says nothing of who reads it: the check reads the path back.
        return false;
    }

    @Override
    public boolean confirms(DependentSpec dependent, Delivery delivery) {
        try {
            return kv.read(path(dependent, delivery))
                    .map(v -> delivery.newKey().fingerprint().equals(v.data().get("fingerprint")))
                    .orElse(false);
        } catch (VaultUnavailableException e) {
            return false;
        }
    }

    static String path(DependentSpec dependent, Delivery delivery) {
        return dependent.path().orElseThrow() + "/" + delivery.key().id();
    }
}
