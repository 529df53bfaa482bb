package dev.kashierrotator.testing;

import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.rotation.Dashboard;
import dev.kashierrotator.rotation.IssuedKey;
import dev.kashierrotator.sim.KashierSimulator;
import java.util.List;
import java.util.Optional;

/** The automated dashboard step on the in-process Kashier simulator, without HTTP. */
public final class LocalDashboard implements Dashboard {

    private final KashierSimulator kashier;

    public LocalDashboard(KashierSimulator kashier) {
        this.kashier = kashier;
    }

    @Override
    public boolean automated() {
        return true;
    }

    @Override
    public IssuedKey issuePaymentKey(KeySpec key) {
        KashierSimulator.ShownKey shown = kashier.issuePaymentKey(key.mode(), key.mid());
        return new IssuedKey(shown.key(), Optional.of(shown.id()));
    }

    @Override
    public List<DashboardKey> paymentKeys(KeySpec key) {
        return kashier.list(key.mode(), key.mid()).stream()
                .filter(k -> k.kind().equals("payment-api-key"))
                .map(k -> new DashboardKey(k.id(), k.fingerprint(), k.active(), k.createdAt()))
                .toList();
    }

    @Override
    public void deletePaymentKey(KeySpec key, String kashierKeyId, String fingerprint) {
        kashier.deletePaymentKey(key.mode(), key.mid(), kashierKeyId != null ? kashierKeyId : fingerprint);
    }

    @Override
    public IssuedKey changeSecretKey(KeySpec key, String user) {
        return new IssuedKey(
                kashier.changeSecretKey(key.mode(), key.mid(), user).key(), Optional.empty());
    }

    @Override
    public void expireSecretKey(KeySpec key, String user) {
        kashier.changeSecretKey(key.mode(), key.mid(), user);
    }
}
