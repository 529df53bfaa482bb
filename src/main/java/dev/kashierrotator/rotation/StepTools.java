package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.Inventory;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/** What the steps work with: the ports, the record writer, the lease keeper and the clock. */
record StepTools(
        Inventory inventory,
        KeyStore keys,
        RotationStore rotations,
        Dashboard dashboard,
        KashierApi kashier,
        Distributor distributor,
        RotationHooks hooks,
        Clock clock,
        RecordWriter writer,
        LeaseKeeper leases,
        AbortRules aborts) {

    /** The new key this rotation staged; a step fails if it is gone or is not the one the rotation took. */
    StoredKey pending(Rotation r) {
        StoredKey staged = keys.pending(r.keyId(), r.id())
                .orElseThrow(() -> new StepFailed("the new key " + r.newFingerprint() + " is no longer staged at "
                        + keys.mount() + "/" + keys.pendingPath(r.keyId())));
        if (r.newFingerprint() != null && !staged.fingerprint().equals(r.newFingerprint())) {
            throw new StepFailed("the key staged at " + keys.mount() + "/" + keys.pendingPath(r.keyId())
                    + " (fingerprint " + staged.fingerprint() + ") is not the one this rotation took ("
                    + r.newFingerprint() + "): something else wrote it");
        }
        return staged;
    }

    /** Records a rollout's progress: wave changes at once, dependents' at most a few times a second. */
    Distributor.Progress progress(Rotation r, Hold hold) {
        AtomicLong lastSave = new AtomicLong();
        return new Distributor.Progress() {
            @Override
            public void waveChanged() {
                lastSave.set(System.nanoTime());
                writer.progress(r, hold);
            }

            @Override
            public void dependentChanged() {
                long now = System.nanoTime();
                long last = lastSave.get();
                // At most a few writes a second, by one thread: a big wave must not flood Vault.
                if (now - last > 250_000_000L && lastSave.compareAndSet(last, now)) {
                    writer.progress(r, hold);
                }
                hooks.duringRollout(r);
            }
        };
    }
}
