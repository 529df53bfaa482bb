package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.KeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** ISSUE_NEW_KEY: a new payment API key, made by the service (simulator) or by a person, kept pending in Vault. */
final class IssueNewKeyStep implements RotationStep {

    private final StepTools t;

    IssueNewKeyStep(StepTools tools) {
        this.t = tools;
    }

    @Override
    public StepName name() {
        return StepName.ISSUE_NEW_KEY;
    }

    @Override
    public StepOutcome run(Rotation r, KeySpec key, Hold hold, boolean again) {
        Optional<StoredKey> kept = t.keys().pending(key.id(), r.id());
        if (kept.isPresent()) {
            r.newKey(kept.get().fingerprint(), kept.get().kashierKeyId().orElse(null));
            if (!t.dashboard().automated()) {
                return new StepOutcome.Done(
                        "the new payment API key sent by " + r.personWait().answeredBy() + " (fingerprint "
                                + r.newFingerprint() + ") is kept under label 'issued'");
            }
            return new StepOutcome.Done(
                    "payment API key " + Objects.requireNonNullElse(r.newKey().kashierKeyId(), "") + " (fingerprint "
                            + r.newFingerprint() + ") was already issued and kept; not issuing another");
        }
        t.leases().fence(hold);
        if (!t.dashboard().automated()) {
            // An answer recorded but never kept (a crash between the two) is asked for again.
            r.forgetUnkeptAnswer();
        }
        String cleaned = again && t.dashboard().automated() ? deleteOrphans(r, key) : "";
        IssuedKey issued = KeyKindRules.of(key).newKey(t.dashboard(), key, r);
        StoredKey fresh =
                StoredKey.of(issued.value(), issued.kashierKeyId(), t.clock().instant());
        t.keys().stagePending(key.id(), r.id(), fresh, "issued");
        r.newKey(fresh.fingerprint(), issued.kashierKeyId().orElse(null));
        return new StepOutcome.Done(
                cleaned + "issued payment API key " + r.newKey().kashierKeyId() + " (fingerprint "
                        + r.newFingerprint() + ") on the " + key.mode() + " dashboard of " + key.mid()
                        + "; kept under label 'issued'");
    }

    /**
     * A replica that died (or a Vault write that failed) between issuing a key and keeping it leaves a
     * key nobody holds: delete every active payment key of this account and mode that appeared since
     * this step first started and that no key of the inventory holds, so only one new key stays active.
     */
    private String deleteOrphans(Rotation r, KeySpec key) {
        java.time.Instant since = r.step(StepName.ISSUE_NEW_KEY).startedAt().minusSeconds(1);
        List<String> held = new ArrayList<>();
        for (KeySpec other : t.inventory().keys()) {
            if (KeyKindRules.of(other).issues() && other.mid().equals(key.mid()) && other.mode() == key.mode()) {
                t.keys().current(other.id()).ifPresent(k -> held.add(k.fingerprint()));
                t.rotations()
                        .holder(other.id())
                        .flatMap(id -> t.keys().pending(other.id(), id))
                        .ifPresent(k -> held.add(k.fingerprint()));
            }
        }
        List<String> orphans = t.dashboard().paymentKeys(key).stream()
                .filter(k -> k.active() && !k.createdAt().isBefore(since) && !held.contains(k.fingerprint()))
                .map(Dashboard.DashboardKey::id)
                .toList();
        orphans.forEach(id -> t.dashboard().deletePaymentKey(key, id, null));
        return orphans.isEmpty() ? "" : "deleted " + orphans.size() + " key(s) issued before a crash and never kept; ";
    }
}
