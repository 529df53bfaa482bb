package dev.kashierrotator.rotation;

/**
 * The replica running a rotation and the epoch of the claim it runs it under (grows with every takeover).
 * A value; flat in the record's document ({@code owner}, {@code epoch}).
 */
@Document
public final class Lease {

    /** Not claimed yet. */
    static final Lease NONE = new Lease();

    private String owner;
    private long epoch;

    /** For Jackson, which reads the record's flat fields into a new value. */
    private Lease() {}

    Lease(String owner, long epoch) {
        this.owner = owner;
        this.epoch = epoch;
    }

    public String owner() {
        return owner;
    }

    public long epoch() {
        return epoch;
    }

    /** Whether this replica holds it under this claim's epoch. */
    boolean heldBy(String replica, long claimEpoch) {
        return replica.equals(owner) && epoch == claimEpoch;
    }
}
