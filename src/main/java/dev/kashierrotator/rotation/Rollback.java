package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.rotation.Rotation.Step;
import dev.kashierrotator.rotation.Rotation.StepState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
        r.steps.stream()
                .filter(s -> s.state == StepState.RUNNING || s.state == StepState.PENDING)
                .filter(s -> !s.name.equals(StepName.ROLL_BACK.name()))
                .forEach(s -> {
                    if (s.state == StepState.RUNNING
                            && r.awaitingDashboardSince != null
                            && StepName.valueOf(s.name).takesNewKey()) {
                        // Its instructions are on a screen somewhere: say plainly they no longer apply.
                        s.detail = "Aborted before this was done: do not do it now. (It asked: " + s.detail + ")";
                    }
                    s.state = s.state == StepState.RUNNING ? StepState.FAILED : StepState.SKIPPED;
                    s.endedAt = s.state == StepState.FAILED ? t.clock().instant() : null;
                });
        Step step = r.steps.stream()
                .filter(s -> s.name.equals(StepName.ROLL_BACK.name()))
                .findFirst()
                .orElseGet(() -> {
                    Step added = new Step(StepName.ROLL_BACK.name());
                    r.steps.add(added);
                    return added;
                });
        step.state = StepState.RUNNING;
        step.startedAt = Objects.requireNonNullElse(step.startedAt, t.clock().instant());
        r.rollBackCause = cause;
        t.writer().save(r, hold);
        String why = cause != null
                ? cause
                : "aborted by " + r.abortRequestedBy + (r.abortReason == null ? "" : ": " + r.abortReason);
        StoredKey old = keys.version(key.id(), r.oldVersion)
                .orElseThrow(() ->
                        new StepFailed("the old key (version " + r.oldVersion + ") is no longer readable in Vault"));
        List<String> touched = new ArrayList<>(r.waves.stream()
                .flatMap(w -> w.dependents.stream())
                .filter(d -> d.accepted)
                .map(d -> d.id)
                .toList());
        // A delivery whose answer failed (too late, or lost) may still have been applied: whoever was sent
        // the key and reports it now is rolled back too.
        List<String> unsure = r.waves.stream()
                .flatMap(w -> w.dependents.stream())
                .filter(d -> !d.accepted && d.attempts > 0)
                .map(d -> d.id)
                .toList();
        if (!unsure.isEmpty() && r.newFingerprint != null) {
            Optional<StoredKey> sent = keys.pending(key.id(), r.id)
                    .or(() -> keys.current(key.id()))
                    .filter(k -> k.fingerprint().equals(r.newFingerprint));
            sent.ifPresent(k -> touched.addAll(t.distributor()
                    .reporting(Delivery.rotated(r.id, key, k, keys.mount(), keys.path(key.id())), unsure)));
        }
        Map<String, String> failures = t.distributor()
                .restore(
                        r,
                        Delivery.rollback(r.id, key, old, keys.mount(), keys.path(key.id())),
                        touched,
                        key.rollout().allAtOnce());
        r.waves.stream()
                .flatMap(w -> w.dependents.stream())
                .filter(d -> touched.contains(d.id))
                .forEach(d -> {
                    d.state = failures.containsKey(d.id)
                            ? Rotation.DependentState.ROLLBACK_FAILED
                            : Rotation.DependentState.ROLLED_BACK;
                    d.error = failures.get(d.id);
                });
        String vault = restoreVault(r, key, hold, old);
        String dashboardDetail = deleteNewKey(r, key, hold, failures);
        keys.clearPending(key.id());
        step.state = failures.isEmpty() ? StepState.DONE : StepState.FAILED;
        step.endedAt = t.clock().instant();
        step.detail = touched.size() - failures.size() + " of " + touched.size() + " dependent(s) back on fingerprint "
                + r.oldFingerprint + (failures.isEmpty() ? "" : " (not: " + String.join(", ", failures.keySet()) + ")")
                + "; " + vault + dashboardDetail;
        r.state = outcome;
        r.error = why + (failures.isEmpty() ? "" : "; rollback incomplete for " + String.join(", ", failures.keySet()));
    }

    private String restoreVault(Rotation r, KeySpec key, Hold hold, StoredKey old) {
        KeyStore keys = t.keys();
        StoredKey current = keys.current(key.id()).orElseThrow();
        if (r.newFingerprint == null || !current.fingerprint().equals(r.newFingerprint)) {
            return "Vault still served the old key";
        }
        t.leases().fence(hold);
        // As it was (user, rotatedAt): a rollback does not make an old key new, and the alternation goes on.
        StoredKey back = keys.promote(key.id(), old, current.version());
        return keys.mount() + "/" + keys.path(key.id()) + " serves the old key again (version " + back.version() + ")";
    }

    private String deleteNewKey(Rotation r, KeySpec key, Hold hold, Map<String, String> failures) {
        if (!key.isPaymentKey() || r.newFingerprint == null) {
            return "";
        }
        if (!failures.isEmpty()) {
            // Some dependent may still use the new key: deleting it would leave that one on a dead key.
            return "; the new payment key (fingerprint " + r.newFingerprint + ") stays active because "
                    + String.join(", ", failures.keySet()) + " may still use it: once they are back on fingerprint "
                    + r.oldFingerprint + ", delete it in the Kashier dashboard (" + key.mid() + ", " + key.mode()
                    + " mode)";
        }
        t.leases().fence(hold);
        try {
            t.dashboard().deletePaymentKey(key, r.newKashierKeyId, r.newFingerprint);
            return "; deleted new payment key " + r.newKashierKeyId + " on the dashboard";
        } catch (Dashboard.NeedsPerson e) {
            return "; delete the new payment key (fingerprint " + r.newFingerprint + ") in the Kashier dashboard ("
                    + key.mid() + ", " + key.mode() + " mode) by hand: every dependent that was sent it is back on "
                    + "fingerprint " + r.oldFingerprint + ", so nothing uses it";
        }
    }
}
