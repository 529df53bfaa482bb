package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.KeySpec;
import java.time.Instant;
import java.util.List;

/**
 * The Kashier dashboard side of a rotation: where keys are issued, changed and expired. Kashier offers
 * no API for this, so in production a person does it ({@link NeedsPerson}); the simulator does it in
 * dev and test.
 */
public interface Dashboard {

    /** Whether this dashboard acts by itself; a manual one answers every action with {@link NeedsPerson}. */
    boolean automated();

    /** A person has to do this in the Kashier dashboard; the message says exactly what. */
    class NeedsPerson extends RuntimeException {
        public NeedsPerson(String instructions) {
            super(instructions, null, false, false);
        }
    }

    /** Issues one more payment API key for the key's account and mode. */
    IssuedKey issuePaymentKey(KeySpec key);

    /** The payment keys the dashboard lists for the key's account and mode. */
    List<DashboardKey> paymentKeys(KeySpec key);

    /** A payment key as the dashboard lists it: fingerprints only. */
    record DashboardKey(String id, String fingerprint, boolean active, Instant createdAt) {}

    /**
     * Deletes (expires at once) a payment key, found by dashboard id or else by fingerprint. Deleting
     * a key that is already gone succeeds, so the step can be repeated.
     */
    void deletePaymentKey(KeySpec key, String kashierKeyId, String fingerprint);

    /** Changes a user's secret key: the old one expires immediately. */
    IssuedKey changeSecretKey(KeySpec key, String user);

    /**
     * Kills a user's secret key by changing it, throwing the new value away (alternating users, in an
     * emergency: the previous user's leaked key must die; that user's key is changed again, and kept,
     * when its turn comes).
     */
    void expireSecretKey(KeySpec key, String user);
}
