package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.inventory.KeySpec;

/**
 * When a rotation may still be called off: while the key dependents held before it still works on
 * Kashier's side. After that, going back would leave every dependent on a dead key.
 */
final class AbortRules {

    private final Inventory inventory;
    private final KeyStore keys;
    private final Dashboard dashboard;
    private final KashierApi kashier;

    AbortRules(Inventory inventory, KeyStore keys, Dashboard dashboard, KashierApi kashier) {
        this.inventory = inventory;
        this.keys = keys;
        this.dashboard = dashboard;
        this.kashier = kashier;
    }

    /** An abort was asked for and not yet refused. */
    static boolean pending(Rotation r, Hold hold) {
        return (r.abort().at() != null || hold.abortSeen) && r.abort().refusal() == null;
    }

    /** Why the rotation can no longer be aborted, or null if it still can. */
    String refusal(Rotation r) {
        KeySpec key = inventory.key(r.keyId()).orElseThrow();
        String kindRefusal = KeyKindRules.of(key).abortRefusal(r, () -> changeNotDoneYet(r, key));
        if (kindRefusal != null) {
            return kindRefusal;
        }
        if (r.steps().stream()
                .anyMatch(s -> s.name() == StepName.EXPIRE_OLD_KEY
                        && (s.state() == StepState.DONE || s.state() == StepState.RUNNING))) {
            return dashboard.automated() || r.step(StepName.EXPIRE_OLD_KEY).state() == StepState.DONE
                    ? "the old payment key is already expired on the Kashier dashboard"
                    : "a person was asked to delete the old payment key in the Kashier dashboard and may have done "
                            + "so; finish that step (answer it once the key is deleted) instead";
        }
        return null;
    }

    /**
     * A single-user secret key's change step started (a person was asked to change the key) but the old
     * key still works and no new one was kept: nothing irreversible happened yet, so it can still be
     * called off. Asked of Kashier, since the person may have acted without answering yet.
     */
    private boolean changeNotDoneYet(Rotation r, KeySpec key) {
        if (r.oldKeyEnd().expiredAt() != null || keys.pending(key.id(), r.id()).isPresent()) {
            return false;
        }
        return OldSecretKey.accepted(r, key, keys, kashier).orElse(false);
    }
}
