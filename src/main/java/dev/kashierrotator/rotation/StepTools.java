package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.Inventory;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** What the steps work with: the ports, the record writer, the lease keeper, the wave policy and the clock. */
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
        AbortRules aborts,
        Waves waves) {

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

    /**
     * Records a rollout's progress: wave changes at once, dependents' at most a few times a second. A change
     * that comes too soon after a write is not lost: it is recorded by the next change or by {@code catchUp}.
     */
    Waves.Progress progress(Rotation r, Hold hold) {
        AtomicLong lastSave = new AtomicLong();
        AtomicBoolean behind = new AtomicBoolean();
        return new Waves.Progress() {
            @Override
            public void waveChanged() {
                lastSave.set(clock.millis());
                behind.set(false);
                writer.progress(r, hold);
            }

            @Override
            public void dependentChanged() {
                behind.set(true);
                write(false);
                hooks.duringRollout(r);
            }

            @Override
            public void dependentProgressed() {
                behind.set(true);
                write(false);
            }

            @Override
            public void catchUp() {
                write(true);
            }

            /** At most a few writes a second, by one thread: a big wave must not flood Vault. */
            private void write(boolean onlyIfBehind) {
                long now = clock.millis();
                long last = lastSave.get();
                if ((!onlyIfBehind || behind.get()) && now - last > 250 && lastSave.compareAndSet(last, now)) {
                    behind.set(false);
                    writer.progress(r, hold);
                }
            }
        };
    }
}
