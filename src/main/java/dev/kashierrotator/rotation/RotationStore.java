package dev.kashierrotator.rotation;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Durable rotation records and the per-key claims (leases) that let exactly one rotation of a key run,
 * on exactly one replica, at a time.
 */
public interface RotationStore {

    /** Stores a new record; fails if the id exists. */
    void create(Rotation rotation);

    /**
     * Writes the record if nobody wrote it since it was read (check-and-set on {@link Rotation#storeVersion}).
     *
     * @throws dev.kashierrotator.vault.CasConflictException when another writer got there first
     */
    void update(Rotation rotation);

    Optional<Rotation> get(String id);

    /** The record as it was at one of its store versions, while the store keeps that version. */
    Optional<Rotation> get(String id, long version);

    /** Ids of every record, newest first (ids start with their UTC creation time), without reading them. */
    List<String> ids();

    /**
     * Ids of one key's records, newest first, from a per-key index that is written before the record
     * itself (so a crash in between leaves an id without a record, never a record without an id).
     */
    List<String> idsOf(String keyId);

    /** The outcome of asking for a key. */
    sealed interface ClaimResult permits Claimed, Held {}

    /** The key is ours until {@code claim.leaseUntil()}, unless renewed. */
    record Claimed(Claim claim) implements ClaimResult {}

    /** Another rotation holds the key. */
    record Held(String rotationId) implements ClaimResult {}

    /**
     * Claims the key for a new rotation. A claim whose rotation is final counts as free; a claim whose
     * lease expired while its rotation is unfinished is not (that rotation is taken over, not replaced).
     */
    ClaimResult claim(String keyId, String rotationId, String owner, Duration ttl);

    /** Extends a lease; empty when the claim is no longer ours (taken over or released). */
    Optional<Claim> renew(Claim claim, Duration ttl);

    /** Takes over an expired claim for its unfinished rotation; empty when someone else was faster. */
    Optional<Claim> takeOver(Claim expired, String owner, Duration ttl);

    /** Releases the key if this claim still holds it. */
    void release(Claim claim);

    /** Every claim that holds a key (any owner, expired or not). */
    List<Claim> claims();

    /** The rotation holding the key, if any. */
    Optional<String> holder(String keyId);
}
