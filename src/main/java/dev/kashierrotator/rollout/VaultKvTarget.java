package dev.kashierrotator.rollout;

import dev.kashierrotator.inventory.Confirmation;
import dev.kashierrotator.inventory.DependentSpec;
import dev.kashierrotator.inventory.DependentType;
import dev.kashierrotator.rotation.Delivery;
import dev.kashierrotator.rotation.Fingerprints;
import dev.kashierrotator.rotation.StoredKey;
import dev.kashierrotator.vault.CasConflictException;
import dev.kashierrotator.vault.VaultKv;
import dev.kashierrotator.vault.VaultUnavailableException;
import dev.kashierrotator.vault.Versioned;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * vault-kv dependents (docs/configuration.md, Vault layout): the key is written to {@code <mount>/<path>/<keyId>} in the same
 * shape as the key path, plus {@code previousKey} while a payment key's grace runs. Vault-integrated
 * services read it there with their own narrow policy, and confirm that they use it: their verify URL
 * reports its fingerprint, or they write the fingerprint to {@code <mount>/<confirm-path>/<keyId>}. Only a
 * dependent configured with {@code confirm: read-back} counts as done when the service reads its own write.
 */
@ApplicationScoped
public class VaultKvTarget implements Target {

    private final VaultKv kv;
    private final VerifyUrl verifyUrl;

    public VaultKvTarget(VaultKv kv, VerifyUrl verifyUrl) {
        this.kv = kv;
        this.verifyUrl = verifyUrl;
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
        // A write says nothing of who reads it: the check asks the consumer (or, for read-back, Vault).
        return false;
    }

    @Override
    public boolean confirms(DependentSpec dependent, Delivery delivery) {
        return whyNotConfirmed(dependent, delivery).isEmpty();
    }

    /** Empty when the consumer (or, for read-back, Vault) reports the delivered key; else what it reports. */
    @Override
    public Optional<String> whyNotConfirmed(DependentSpec dependent, Delivery delivery) {
        Confirmation how = dependent.confirmation().orElse(Confirmation.READ_BACK);
        if (how == Confirmation.VERIFY_URL) {
            return verifyUrl.whyNot(dependent, delivery);
        }
        String path = how == Confirmation.CONFIRM_PATH
                ? dependent.confirmPath().orElseThrow() + "/" + delivery.key().id()
                : path(dependent, delivery);
        String who = how == Confirmation.CONFIRM_PATH ? "its consumer wrote " : "Vault holds ";
        try {
            Optional<Versioned> read = kv.read(path);
            if (read.isEmpty()) {
                return Optional.of("nothing at " + kv.mount() + "/" + path
                        + (how == Confirmation.CONFIRM_PATH
                                ? " (the consumer writes the fingerprint it uses there)"
                                : ""));
            }
            String fingerprint = read.get().data().get("fingerprint");
            if (delivery.newKey().fingerprint().equals(fingerprint)) {
                return Optional.empty();
            }
            return Optional.of(
                    who + Fingerprints.shown(fingerprint, "no fingerprint") + " at " + kv.mount() + "/" + path);
        } catch (VaultUnavailableException e) {
            return Optional.of(e.getMessage());
        }
    }

    static String path(DependentSpec dependent, Delivery delivery) {
        return dependent.path().orElseThrow() + "/" + delivery.key().id();
    }
}
