package dev.kashierrotator.rotation;

import java.util.List;
import java.util.Optional;

/** Durable rotation records and the per-key claim that allows one running rotation per key. */
public interface RotationStore {

    /** Stores a new record; fails if the id exists. */
    void create(Rotation rotation);

    /** Writes the record if nobody wrote it since it was read (check-and-set on {@link Rotation#storeVersion}). */
    void update(Rotation rotation);

    Optional<Rotation> get(String id);

    /** Every record, newest first. */
    List<Rotation> list();

    /**
     * Claims the key for a rotation. Empty when claimed; otherwise the id of the rotation that
     * already holds it.
     */
    Optional<String> claim(String keyId, String rotationId);

    /** Releases the key if this rotation holds it. */
    void release(String keyId, String rotationId);

    /** The rotation holding the key, if any. */
    Optional<String> holder(String keyId);
}
