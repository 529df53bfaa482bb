package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.KeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Puts everything back on the old key while it still works: dependents that may have switched get
 * {@code key.rolled_back} (vault-kv paths are rewritten), Vault serves the old key again if the new one
 * was promoted, the new key is deleted on the dashboard. Every part first checks whether it is already
 * done, so a rollback cut short (a crash, Vault away) is simply run again by whoever resumes it.
 */
final class Rollback {

    private final StepTools t;

    Rollback(StepTools tools) {
        this.t = tools;
    }

    /**
     * Rolls back and sets the record's final state and error; the caller records and releases it.
     *
     * @param cause why, or null for an abort (then the request in the record says who and why)
     */
    void run(Rotation r, KeySpec key, Hold hold, RotationState outcome, String cause) {
        KeyStore keys = t.keys();
        Step step = r.rollBack(cause, t.clock().instant());
        t.writer().save(r, hold);
        String why = r.rollBackReason();
        StoredKey old = keys.version(key.id(), r.oldKey().version())
                .orElseThrow(() -> new StepFailed(
                        "the old key (version " + r.oldKey().version() + ") is no longer readable in Vault"));
        List<String> touched = new ArrayList<>(r.outcomes().acceptedNewKey());
        // A delivery whose answer failed (too late, or lost) may still have been applied: whoever was sent
        // the key and reports it now is rolled back too.
        List<String> unsure = r.outcomes().sentWithoutAnswer();
        if (!unsure.isEmpty() && r.newFingerprint() != null) {
            Optional<StoredKey> sent = keys.pending(key.id(), r.id())
                    .or(() -> keys.current(key.id()))
                    .filter(k -> k.fingerprint().equals(r.newFingerprint()));
            sent.ifPresent(k -> touched.addAll(t.distributor()
                    .reporting(Delivery.rotated(r.id(), key, k, keys.mount(), keys.path(key.id())), unsure)));
        }
        Map<String, String> failures = t.waves()
                .restore(
                        Delivery.rollback(r.id(), key, old, keys.mount(), keys.path(key.id())),
                        touched,
                        key.rollout().allAtOnce());
        r.outcomes().restored(touched, failures);
        String vault = restoreVault(r, key, hold, old);
        String dashboardDetail = deleteNewKey(r, key, hold, failures);
        keys.clearPending(key.id());
        r.rolledBack(
                step,
                outcome,
                failures.isEmpty(),
                touched.size() - failures.size() + " of " + touched.size() + " dependent(s) back on fingerprint "
                        + r.oldKey().fingerprint()
                        + (failures.isEmpty() ? "" : " (not: " + String.join(", ", failures.keySet()) + ")")
                        + "; " + vault + dashboardDetail,
                why + (failures.isEmpty() ? "" : "; rollback incomplete for " + String.join(", ", failures.keySet())),
                t.clock().instant());
    }

    private String restoreVault(Rotation r, KeySpec key, Hold hold, StoredKey old) {
        KeyStore keys = t.keys();
        StoredKey current = keys.current(key.id()).orElseThrow();
        if (r.newFingerprint() == null || !current.fingerprint().equals(r.newFingerprint())) {
            return "Vault still served the old key";
        }
        t.leases().fence(hold);
        // As it was (user, rotatedAt): a rollback does not make an old key new, and the alternation goes on.
        StoredKey back = keys.promote(key.id(), old, current.version());
        return keys.mount() + "/" + keys.path(key.id()) + " serves the old key again (version " + back.version() + ")";
    }

    private String deleteNewKey(Rotation r, KeySpec key, Hold hold, Map<String, String> failures) {
        if (!KeyKindRules.of(key).issues() || r.newFingerprint() == null) {
            return "";
        }
        if (!failures.isEmpty()) {
            // Some dependent may still use the new key: deleting it would leave that one on a dead key.
            return "; the new payment key (fingerprint " + r.newFingerprint() + ") stays active because "
                    + String.join(", ", failures.keySet()) + " may still use it: once they are back on fingerprint "
                    + r.oldKey().fingerprint() + ", delete it in the Kashier dashboard (" + key.mid() + ", "
                    + key.mode()
                    + " mode)";
        }
        t.leases().fence(hold);
        try {
            t.dashboard().deletePaymentKey(key, r.newKey().kashierKeyId(), r.newFingerprint());
            return "; deleted new payment key " + r.newKey().kashierKeyId() + " on the dashboard";
        } catch (Dashboard.NeedsPerson e) {
            return "; delete the new payment key (fingerprint " + r.newFingerprint() + ") in the Kashier dashboard ("
                    + key.mid() + ", " + key.mode() + " mode) by hand: every dependent that was sent it is back on "
                    + "fingerprint " + r.oldKey().fingerprint() + ", so nothing uses it";
        }
    }
}
