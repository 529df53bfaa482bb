package dev.kashierrotator.vault;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.rotation.Rotation;
import dev.kashierrotator.rotation.RotationStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Rotation records at {@code <state-prefix>/rotations/<id>} (one JSON document each) and per-key
 * claims at {@code <state-prefix>/claims/<keyId>}, all written with check-and-set so that two writers
 * can never both win.
 */
@ApplicationScoped
public class VaultRotationStore implements RotationStore {

    private final VaultKv kv;
    private final ObjectMapper json;
    private final String statePrefix;

    public VaultRotationStore(VaultKv kv, ObjectMapper json, RotatorConfig config) {
        this.kv = kv;
        // Records written by a newer version may carry fields this one does not know: read them anyway.
        this.json = json.copy().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        this.statePrefix = config.vault().statePrefix().replaceAll("^/+|/+$", "");
    }

    @Override
    public void create(Rotation rotation) {
        rotation.storeVersion = kv.write(recordPath(rotation.id), Map.of("record", toJson(rotation)), 0);
    }

    @Override
    public void update(Rotation rotation) {
        rotation.storeVersion = kv.write(recordPath(rotation.id), Map.of("record", toJson(rotation)),
                rotation.storeVersion);
    }

    @Override
    public Optional<Rotation> get(String id) {
        return kv.read(recordPath(id)).map(v -> fromJson(v.data().get("record"), v.version()));
    }

    @Override
    public List<Rotation> list() {
        return kv.list(statePrefix + "/rotations").stream()
                .filter(name -> !name.endsWith("/"))
                .map(this::get)
                .flatMap(Optional::stream)
                .sorted(Comparator.comparing((Rotation r) -> r.createdAt).reversed())
                .toList();
    }

    @Override
    public Optional<String> claim(String keyId, String rotationId) {
        String path = claimPath(keyId);
        // A conflict means the claim changed under us: someone claimed it, or its finished holder
        // released it. Look again; only a live holder makes us give up.
        for (int attempt = 0; attempt < 5; attempt++) {
            Optional<Versioned> current = kv.read(path);
            String holder = current.map(v -> v.data().getOrDefault("rotationId", "")).orElse("");
            if (!holder.isEmpty() && !holder.equals(rotationId)
                    && get(holder).map(r -> !r.state.isFinal()).orElse(false)) {
                return Optional.of(holder);
            }
            try {
                kv.write(path, Map.of("rotationId", rotationId, "claimedAt", Instant.now().toString()),
                        current.map(Versioned::version).orElse(0L));
                return Optional.empty();
            } catch (CasConflictException e) {
                // fall through and read the claim again
            }
        }
        return Optional.of(holder(keyId).orElse("another rotation"));
    }

    @Override
    public void release(String keyId, String rotationId) {
        String path = claimPath(keyId);
        kv.read(path)
                .filter(v -> Objects.equals(rotationId, v.data().get("rotationId")))
                .ifPresent(v -> kv.write(path, Map.of("rotationId", "", "releasedAt", Instant.now().toString()),
                        v.version()));
    }

    @Override
    public Optional<String> holder(String keyId) {
        return kv.read(claimPath(keyId))
                .map(v -> v.data().getOrDefault("rotationId", ""))
                .filter(id -> !id.isEmpty());
    }

    private String recordPath(String id) {
        return statePrefix + "/rotations/" + id;
    }

    private String claimPath(String keyId) {
        return statePrefix + "/claims/" + keyId;
    }

    private String toJson(Rotation rotation) {
        try {
            return json.writeValueAsString(rotation);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise rotation " + rotation.id, e);
        }
    }

    private Rotation fromJson(String text, long version) {
        try {
            Rotation r = json.readValue(text, Rotation.class);
            r.storeVersion = version;
            return r;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("rotation record in Vault is not valid JSON (version " + version + ")");
        }
    }
}
