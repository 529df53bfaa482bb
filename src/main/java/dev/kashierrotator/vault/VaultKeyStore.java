package dev.kashierrotator.vault;

import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.rotation.KeyStore;
import dev.kashierrotator.rotation.StoredKey;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Keys in KV v2 (docs/configuration.md, Vault layout): the current key at {@code <key-prefix>/<keyId>}, the previous one the
 * version before. A pending key (issued, not yet current) waits at {@code <key-prefix>/<keyId>/pending}:
 * readers of the key path never see it, and a dependent told to fetch it by reference can be granted
 * exactly that path.
 */
@ApplicationScoped
public class VaultKeyStore implements KeyStore {

    private final Kv kv;
    private final String keyPrefix;

    public VaultKeyStore(Kv kv, RotatorConfig config) {
        this.kv = kv;
        this.keyPrefix = config.vault().keyPrefix().replaceAll("^/+|/+$", "");
    }

    @Override
    public String path(String keyId) {
        return keyPrefix + "/" + keyId;
    }

    @Override
    public String mount() {
        return kv.mount();
    }

    @Override
    public Optional<StoredKey> current(String keyId) {
        return kv.read(path(keyId)).flatMap(v -> toKey(v.data(), v.version()));
    }

    @Override
    public Optional<StoredKey> version(String keyId, long version) {
        return kv.read(path(keyId), version).flatMap(v -> toKey(v.data(), v.version()));
    }

    @Override
    public StoredKey promote(String keyId, StoredKey key, long expectedVersion) {
        long version = kv.write(path(keyId), toData(key), expectedVersion);
        return key.withVersion(version);
    }

    @Override
    public long stagePending(String keyId, String rotationId, StoredKey key, String label) {
        String path = pendingPath(keyId);
        long current = kv.read(path).map(Versioned::version).orElse(0L);
        Map<String, String> data = toData(key);
        data.put("rotationId", rotationId);
        data.put("label", label);
        return kv.write(path, data, current);
    }

    @Override
    public Optional<StoredKey> pending(String keyId, String rotationId) {
        return kv.read(pendingPath(keyId))
                .filter(v -> rotationId.equals(v.data().get("rotationId")))
                .flatMap(v -> toKey(v.data(), v.version()));
    }

    @Override
    public void clearPending(String keyId) {
        String path = pendingPath(keyId);
        Optional<Versioned> staged = kv.read(path);
        if (staged.isEmpty() || !staged.get().data().containsKey("key")) {
            return;
        }
        long version = staged.get().version();
        kv.write(path, Map.of("rotationId", "", "label", "cleared"), version);
        // The tombstone above keeps the version chain for check-and-set; the key itself must not linger in
        // any version: a key is staged twice (issued, then verified), and readers of the pending path could
        // otherwise ask for every earlier one. Destroying a version twice is harmless.
        long[] all = new long[(int) version];
        for (int v = 1; v <= version; v++) {
            all[v - 1] = v;
        }
        kv.destroy(path, all);
    }

    @Override
    public String pendingPath(String keyId) {
        return path(keyId) + "/pending";
    }

    private static Map<String, String> toData(StoredKey key) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("key", key.value());
        data.put("fingerprint", key.fingerprint());
        key.kashierKeyId().ifPresent(id -> data.put("kashierKeyId", id));
        key.user().ifPresent(u -> data.put("user", u));
        data.put("rotatedAt", key.rotatedAt().toString());
        return data;
    }

    private static Optional<StoredKey> toKey(Map<String, String> data, long version) {
        String value = data.get("key");
        if (value == null || value.isEmpty()) {
            return Optional.empty();
        }
        Instant rotatedAt;
        try {
            rotatedAt = Instant.parse(data.getOrDefault("rotatedAt", ""));
        } catch (RuntimeException e) {
            rotatedAt = Instant.EPOCH;
        }
        StoredKey key = StoredKey.of(
                value, Optional.ofNullable(data.get("kashierKeyId")).filter(s -> !s.isEmpty()), rotatedAt);
        return Optional.of(key.withVersion(version).withUser(data.get("user")));
    }
}
