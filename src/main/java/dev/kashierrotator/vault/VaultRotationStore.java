package dev.kashierrotator.vault;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.rotation.Claim;
import dev.kashierrotator.rotation.Rotation;
import dev.kashierrotator.rotation.RotationStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rotation records at {@code <state-prefix>/rotations/<id>} (one JSON document each) and per-key
 * claims at {@code <state-prefix>/claims/<keyId>}, all written with check-and-set so that two writers
 * can never both win.
 */
@ApplicationScoped
public class VaultRotationStore implements RotationStore {

    /** The shape of the rotation documents this version writes; see {@link #document}. */
    static final int SCHEMA = 2;

    /** Ids kept per key in the index (a key rotated daily for 13 years). */
    private static final int MAX_INDEXED = 5000;

    private final Kv kv;
    private final ObjectMapper json;
    private final String statePrefix;

    private final Clock clock;

    public VaultRotationStore(Kv kv, ObjectMapper json, RotatorConfig config, Clock clock) {
        this.kv = kv;
        this.clock = clock;
        // Records written by a newer version may carry fields this one does not know: read them anyway.
        this.json = json.copy().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        this.statePrefix = config.vault().statePrefix().replaceAll("^/+|/+$", "");
    }

    @Override
    public void create(Rotation rotation) {
        index(rotation.keyId(), rotation.id());
        rotation.written(kv.write(recordPath(rotation.id()), document(toJson(rotation)), 0));
    }

    /** Appends to {@code <state-prefix>/index/<keyId>} with check-and-set, keeping the newest ids. */
    private void index(String keyId, String id) {
        String path = statePrefix + "/index/" + keyId;
        for (int attempt = 0; attempt < 10; attempt++) {
            Optional<Versioned> current = kv.read(path);
            List<String> ids =
                    new ArrayList<>(current.map(v -> split(v.data().get("ids"))).orElse(List.of()));
            ids.add(id);
            if (ids.size() > MAX_INDEXED) {
                ids = ids.subList(ids.size() - MAX_INDEXED, ids.size());
            }
            try {
                kv.write(
                        path,
                        Map.of("ids", String.join(",", ids)),
                        current.map(Versioned::version).orElse(0L));
                return;
            } catch (CasConflictException e) {
                // Another writer appended first; read again.
            }
        }
        throw new VaultUnavailableException("the rotation index of key " + keyId + " kept changing; try again");
    }

    @Override
    public List<String> idsOf(String keyId) {
        // Appended in creation order (under the key's claim), so newest first is simply the reverse; ids of
        // one second would not sort by time.
        List<String> ids = new java.util.ArrayList<>(kv.read(statePrefix + "/index/" + keyId)
                .map(v -> split(v.data().get("ids")))
                .orElse(List.of()));
        java.util.Collections.reverse(ids);
        return ids;
    }

    private static List<String> split(String ids) {
        return ids == null || ids.isBlank() ? List.of() : List.of(ids.split(","));
    }

    @Override
    public void update(Rotation rotation) {
        // A copy taken under the record's lock (rollout threads change it), serialised and written outside
        // it, so a big record being written does not stall the dependents' threads.
        Rotation copy = rotation.snapshot();
        String json = toJson(copy);
        long expected = copy.storeVersion();
        long written = kv.write(recordPath(rotation.id()), document(json), expected);
        rotation.written(written);
    }

    @Override
    public Optional<Rotation> get(String id) {
        return kv.read(recordPath(id)).map(v -> fromJson(id, v.data(), v.version()));
    }

    @Override
    public Optional<Rotation> get(String id, long version) {
        return kv.read(recordPath(id), version).map(v -> fromJson(id, v.data(), v.version()));
    }

    @Override
    public List<String> ids() {
        return kv.list(statePrefix + "/rotations").stream()
                .filter(name -> !name.endsWith("/"))
                .sorted(Comparator.reverseOrder())
                .toList();
    }

    @Override
    public ClaimResult claim(String keyId, String rotationId, String owner, Duration ttl) {
        String path = claimPath(keyId);
        // A conflict means the claim changed under us: someone claimed it, or its finished holder
        // released it. Look again; only an unfinished holder makes us give up.
        for (int attempt = 0; attempt < 5; attempt++) {
            Optional<Versioned> current = kv.read(path);
            Optional<Claim> existing = current.flatMap(v -> toClaim(keyId, v));
            if (existing.isPresent() && !existing.get().rotationId().equals(rotationId) && holds(existing.get())) {
                return new Held(existing.get().rotationId());
            }
            long epoch = existing.map(c -> c.epoch() + 1).orElse(1L);
            try {
                return new Claimed(write(
                        path,
                        keyId,
                        rotationId,
                        owner,
                        epoch,
                        ttl,
                        current.map(Versioned::version).orElse(0L)));
            } catch (CasConflictException e) {
                // read the claim again
            }
        }
        return new Held(holder(keyId).orElse("another rotation"));
    }

    /**
     * Whether a claim still holds its key: its rotation is unfinished, or its record is not written
     * yet (the claimant writes it right after claiming) and its lease has not run out.
     */
    private boolean holds(Claim claim) {
        return get(claim.rotationId()).map(r -> !r.state().isFinal()).orElseGet(() -> !claim.expired(clock.instant()));
    }

    @Override
    public Optional<Claim> renew(Claim claim, Duration ttl) {
        try {
            return Optional.of(write(
                    claimPath(claim.keyId()),
                    claim.keyId(),
                    claim.rotationId(),
                    claim.owner(),
                    claim.epoch(),
                    ttl,
                    claim.version()));
        } catch (CasConflictException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<Claim> takeOver(Claim expired, String owner, Duration ttl) {
        try {
            return Optional.of(write(
                    claimPath(expired.keyId()),
                    expired.keyId(),
                    expired.rotationId(),
                    owner,
                    expired.epoch() + 1,
                    ttl,
                    expired.version()));
        } catch (CasConflictException e) {
            return Optional.empty();
        }
    }

    @Override
    public void release(Claim claim) {
        try {
            kv.write(
                    claimPath(claim.keyId()),
                    Map.of(
                            "rotationId",
                            "",
                            "releasedBy",
                            claim.owner(),
                            "epoch",
                            Long.toString(claim.epoch()),
                            "releasedAt",
                            clock.instant().toString()),
                    claim.version());
        } catch (CasConflictException e) {
            // Renewed or taken over meanwhile: the current holder releases it.
        }
    }

    @Override
    public List<Claim> claims() {
        return kv.list(statePrefix + "/claims").stream()
                .filter(name -> !name.endsWith("/"))
                .flatMap(keyId -> kv.read(claimPath(keyId)).flatMap(v -> toClaim(keyId, v)).stream())
                .toList();
    }

    @Override
    public Optional<String> holder(String keyId) {
        return kv.read(claimPath(keyId)).flatMap(v -> toClaim(keyId, v)).map(Claim::rotationId);
    }

    private Claim write(
            String path,
            String keyId,
            String rotationId,
            String owner,
            long epoch,
            Duration ttl,
            long expectedVersion) {
        Instant until = clock.instant().plus(ttl);
        long version = kv.write(
                path,
                Map.of(
                        "rotationId",
                        rotationId,
                        "owner",
                        owner,
                        "epoch",
                        Long.toString(epoch),
                        "leaseUntil",
                        until.toString()),
                expectedVersion);
        return new Claim(keyId, rotationId, owner, epoch, until, version);
    }

    private static Optional<Claim> toClaim(String keyId, Versioned v) {
        String rotationId = v.data().getOrDefault("rotationId", "");
        if (rotationId.isEmpty()) {
            return Optional.empty();
        }
        Instant until;
        long epoch;
        try {
            until = Instant.parse(v.data().getOrDefault("leaseUntil", Instant.EPOCH.toString()));
            epoch = Long.parseLong(v.data().getOrDefault("epoch", "0"));
        } catch (RuntimeException e) {
            until = Instant.EPOCH;
            epoch = 0;
        }
        return Optional.of(new Claim(keyId, rotationId, v.data().getOrDefault("owner", ""), epoch, until, v.version()));
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
            throw new IllegalStateException("cannot serialise rotation " + rotation.id(), e);
        }
    }

    /**
     * The Vault document of a record: {@code record} (the rotation as JSON) and {@code schema}, the
     * version of its shape. Schema 1 is every document written before the entry existed (up to
     * 2026-11-29); 2 added {@code rollBackCause}. A change that old versions cannot read safely bumps
     * the schema, and a test keeps a captured record of every schema loading.
     */
    private static Map<String, String> document(String record) {
        return Map.of("schema", Integer.toString(SCHEMA), "record", record);
    }

    private Rotation fromJson(String id, Map<String, String> document, long version) {
        int schema;
        try {
            schema = Integer.parseInt(document.getOrDefault("schema", "1"));
        } catch (NumberFormatException e) {
            throw new IllegalStateException(
                    "rotation record " + id + " in Vault has schema '" + document.get("schema") + "', not a number");
        }
        if (schema > SCHEMA) {
            // Its fields may mean what this version cannot know; writing it back would lose them.
            throw new IllegalStateException("rotation record " + id + " in Vault has schema " + schema + ", newer "
                    + "than this version of the service reads (" + SCHEMA + "): run the newer version");
        }
        try {
            Rotation r = json.readValue(document.get("record"), Rotation.class);
            r.written(version);
            return r;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new IllegalStateException(
                    "rotation record " + id + " in Vault is not valid JSON (version " + version + ")");
        }
    }
}
