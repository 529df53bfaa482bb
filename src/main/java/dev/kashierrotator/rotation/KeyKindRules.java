package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.KeySpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * What a kind of key means for a rotation, one type per kind: its plan, whether changing it kills the
 * old key, whether its rollout goes to every wave at once, what makes an abort impossible, what its
 * dependents are handed (and when a grace period starts), and which dashboard operation makes and kills
 * its keys. The steps stay generic: they ask the rules, never which kind a key is. The key's shape is the
 * inventory's ({@code KeyKind#shape}), shared with the log mask.
 */
sealed interface KeyKindRules {

    PaymentKey PAYMENT_KEY = new PaymentKey();
    SingleUserSecretKey SINGLE_USER_SECRET_KEY = new SingleUserSecretKey();
    AlternatingSecretKey ALTERNATING_SECRET_KEY = new AlternatingSecretKey();

    /** The rules of this key's kind. */
    static KeyKindRules of(KeySpec key) {
        if (key.isPaymentKey()) {
            return PAYMENT_KEY;
        }
        return key.alternates() ? ALTERNATING_SECRET_KEY : SINGLE_USER_SECRET_KEY;
    }

    /** The steps of a rotation, in order. */
    List<StepName> plan(boolean emergency, boolean revokeFirst);

    /**
     * A new key is issued beside the old one (both work until the old is deleted), rather than an existing
     * key changed: the dashboard lists it, a rollback deletes it, and Kashier's API cannot tell whether
     * it works (only a secret key authenticates calls).
     */
    boolean issues();

    /** Changing the key on the dashboard kills the one dependents use, at once. */
    boolean changeKillsOldKey();

    /** Two dashboard users take turns: the standby's key is changed while the live one keeps working. */
    boolean takesTurns();

    /** Whether this rotation's rollout goes to every wave at once (the old key is dead, or it is an emergency). */
    boolean allAtOnce(Rotation r);

    /** Whether a rotation planned now would go to every wave at once (before any key was changed). */
    default boolean plannedAllAtOnce(boolean emergency) {
        return emergency;
    }

    /** How long the old key keeps working after the new one is promoted, if it does. */
    default Optional<Duration> grace(KeySpec key, boolean emergency) {
        return Optional.empty();
    }

    /** The dashboard user whose key this rotation changes, or null when the key has none. */
    default String user(KeySpec key, Rotation r) {
        return null;
    }

    /**
     * Why what this kind's change did rules out an abort, or null. {@code changeNotDoneYet} asks Kashier
     * whether a change a person was asked for has happened (only asked when it matters).
     */
    default String abortRefusal(Rotation r, BooleanSupplier changeNotDoneYet) {
        return null;
    }

    /** Makes the new key on the dashboard: issues a payment key, or changes the user's secret key. */
    IssuedKey newKey(Dashboard dashboard, KeySpec key, Rotation r);

    /** Kills the old key on the dashboard (EXPIRE_OLD_KEY): deletes the payment key, or changes the user's key. */
    void expireOldKey(Dashboard dashboard, KeySpec key, Rotation r);

    /**
     * What dependents are handed: the new key, from where this kind of rotation keeps it (for payment keys
     * outside an emergency the old one beside it, and the grace period starts here, once).
     */
    Delivery payload(Rotation r, KeySpec key, StepTools t, Hold hold);

    /** The staged new key, from the pending path: every kind but the single-user secret key. */
    private static Delivery staged(Rotation r, KeySpec key, StepTools t) {
        StoredKey fresh = t.pending(r);
        return Delivery.rotated(r.id(), key, fresh, t.keys().mount(), t.keys().pendingPath(key.id()));
    }

    /** Payment API key: a new key is issued beside the old one, rolled out in waves; the old one expires after grace. */
    final class PaymentKey implements KeyKindRules {
        private PaymentKey() {}

        @Override
        public List<StepName> plan(boolean emergency, boolean revokeFirst) {
            if (!emergency) {
                return Plans.PAYMENT;
            }
            return revokeFirst ? Plans.PAYMENT_EMERGENCY_REVOKE_FIRST : Plans.PAYMENT_EMERGENCY_PUSH_FIRST;
        }

        @Override
        public boolean issues() {
            return true;
        }

        @Override
        public boolean changeKillsOldKey() {
            return false;
        }

        @Override
        public boolean takesTurns() {
            return false;
        }

        @Override
        public boolean allAtOnce(Rotation r) {
            return r.request().emergency();
        }

        @Override
        public Optional<Duration> grace(KeySpec key, boolean emergency) {
            return emergency ? Optional.empty() : Optional.of(key.grace());
        }

        @Override
        public IssuedKey newKey(Dashboard dashboard, KeySpec key, Rotation r) {
            return dashboard.issuePaymentKey(key);
        }

        @Override
        public void expireOldKey(Dashboard dashboard, KeySpec key, Rotation r) {
            dashboard.deletePaymentKey(
                    key, r.oldKey().kashierKeyId(), r.oldKey().fingerprint());
        }

        @Override
        public Delivery payload(Rotation r, KeySpec key, StepTools t, Hold hold) {
            if (r.request().emergency()) {
                // No grace in an emergency: dependents are not handed the old key to keep accepting.
                return staged(r, key, t);
            }
            if (r.oldKeyEnd().graceUntil() == null) {
                // The grace period starts when dependents are first handed the new key beside the old one.
                r.graceUntil(t.clock().instant().plus(key.grace()));
                t.writer().save(r, hold);
            }
            KeyStore keys = t.keys();
            StoredKey fresh = t.pending(r);
            StoredKey old = keys.version(key.id(), r.oldKey().version())
                    .orElseThrow(() -> new StepFailed(
                            "the previous key (version " + r.oldKey().version() + ") is no longer readable in Vault"));
            return new Delivery(
                    r.id(),
                    Delivery.ROTATED,
                    key,
                    fresh,
                    Optional.of(old),
                    Optional.of(r.oldKeyEnd().graceUntil()),
                    keys.mount(),
                    keys.pendingPath(key.id()),
                    fresh.version());
        }
    }

    /** Secret key of one dashboard user: changing it kills the old key, so the new one goes to everyone at once. */
    final class SingleUserSecretKey implements KeyKindRules {
        private SingleUserSecretKey() {}

        @Override
        public List<StepName> plan(boolean emergency, boolean revokeFirst) {
            // The change kills the old key anyway: revoke-first by nature, whatever was asked.
            return Plans.SECRET;
        }

        @Override
        public boolean issues() {
            return false;
        }

        @Override
        public boolean changeKillsOldKey() {
            return true;
        }

        @Override
        public boolean takesTurns() {
            return false;
        }

        @Override
        public boolean allAtOnce(Rotation r) {
            return true;
        }

        @Override
        public boolean plannedAllAtOnce(boolean emergency) {
            return true;
        }

        @Override
        public String user(KeySpec key, Rotation r) {
            return key.user();
        }

        @Override
        public String abortRefusal(Rotation r, BooleanSupplier changeNotDoneYet) {
            boolean changeStarted = r.steps().stream()
                    .anyMatch(s -> s.name() == StepName.CHANGE_SECRET_KEY && s.state() != StepState.PENDING);
            if (changeStarted && !changeNotDoneYet.getAsBoolean()) {
                return "the secret key was already changed on the Kashier dashboard, which expired the old one: "
                        + "there is no working key to go back to";
            }
            return null;
        }

        @Override
        public IssuedKey newKey(Dashboard dashboard, KeySpec key, Rotation r) {
            return dashboard.changeSecretKey(key, key.user());
        }

        @Override
        public void expireOldKey(Dashboard dashboard, KeySpec key, Rotation r) {
            throw new IllegalStateException("a single-user secret key's change already killed the old key");
        }

        @Override
        public Delivery payload(Rotation r, KeySpec key, StepTools t, Hold hold) {
            // Stored at once (the old key is dead): dependents read it where Vault serves the key.
            KeyStore keys = t.keys();
            StoredKey fresh = keys.current(key.id())
                    .filter(k -> k.fingerprint().equals(r.newFingerprint()))
                    .orElseThrow(() -> new StepFailed("Vault does not hold the new key " + r.newFingerprint()));
            return Delivery.rotated(r.id(), key, fresh, keys.mount(), keys.path(key.id()));
        }
    }

    /** Secret key shared by two users in turns: the standby's key is changed and rolled out in waves. */
    final class AlternatingSecretKey implements KeyKindRules {
        private AlternatingSecretKey() {}

        @Override
        public List<StepName> plan(boolean emergency, boolean revokeFirst) {
            if (!emergency) {
                return Plans.ALTERNATING;
            }
            return revokeFirst ? Plans.ALTERNATING_EMERGENCY_REVOKE_FIRST : Plans.ALTERNATING_EMERGENCY_PUSH_FIRST;
        }

        @Override
        public boolean issues() {
            return false;
        }

        @Override
        public boolean changeKillsOldKey() {
            return false;
        }

        @Override
        public boolean takesTurns() {
            return true;
        }

        @Override
        public boolean allAtOnce(Rotation r) {
            // The live user's key died (changed by mistake, or a revoke-first expiry): no time for staging.
            return r.oldKeyEnd().expiredAt() != null || r.request().emergency();
        }

        @Override
        public String user(KeySpec key, Rotation r) {
            return r.toUser();
        }

        @Override
        public String abortRefusal(Rotation r, BooleanSupplier changeNotDoneYet) {
            if (r.oldKeyEnd().expiredAt() != null) {
                return "the key of user '" + r.fromUser() + "' that dependents used no longer works on Kashier's "
                        + "side: there is no working key to go back to";
            }
            return null;
        }

        @Override
        public IssuedKey newKey(Dashboard dashboard, KeySpec key, Rotation r) {
            return dashboard.changeSecretKey(key, r.toUser());
        }

        @Override
        public void expireOldKey(Dashboard dashboard, KeySpec key, Rotation r) {
            // Changing the previous user's key kills the (leaked) old one; the new value is thrown away and
            // changed again when that user's turn comes.
            dashboard.expireSecretKey(key, r.fromUser());
        }

        @Override
        public Delivery payload(Rotation r, KeySpec key, StepTools t, Hold hold) {
            return staged(r, key, t);
        }
    }
}
