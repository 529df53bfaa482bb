package dev.kashierrotator.rotation;

import java.time.Instant;

/**
 * A rotation's hold on its key: who runs it ({@code owner}, one per service process) and until when,
 * unless renewed. {@code epoch} grows with every takeover and fences out a holder that lost its lease.
 *
 * @param version KV v2 version of the claim, for check-and-set
 */
public record Claim(String keyId, String rotationId, String owner, long epoch, Instant leaseUntil, long version) {

    public boolean expired(Instant now) {
        return leaseUntil.isBefore(now);
    }
}
