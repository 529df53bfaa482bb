package dev.kashierrotator.kashier;

import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.rotation.Dashboard;
import dev.kashierrotator.rotation.IssuedKey;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import java.util.List;

/**
 * The production dashboard step ({@code rotator.kashier.dashboard: manual}): Kashier has no API to
 * issue, change or delete keys, so every action becomes exact instructions for a person, answered with
 * {@code POST /api/v1/rotations/{id}/confirm}.
 */
@ApplicationScoped
@Typed(ManualDashboard.class)
public class ManualDashboard implements Dashboard {

    @Override
    public boolean automated() {
        return false;
    }

    @Override
    public IssuedKey issuePaymentKey(KeySpec key) {
        throw new NeedsPerson("In the Kashier dashboard of merchant " + key.mid() + ", switch to " + key.mode()
                + " mode, open Integrate now > Payment API keys and create a new payment API key (keep the old "
                + "one). Then send it: POST /api/v1/rotations/{id}/confirm {\"newKey\": \"<the new key>\"}.");
    }

    @Override
    public List<DashboardKey> paymentKeys(KeySpec key) {
        throw new NeedsPerson("Kashier offers no API to list payment keys");
    }

    @Override
    public void deletePaymentKey(KeySpec key, String kashierKeyId, String fingerprint) {
        throw new NeedsPerson("In the Kashier dashboard of merchant " + key.mid() + ", " + key.mode()
                + " mode, delete the previous payment API key (fingerprint " + fingerprint + ": the first 16 hex "
                + "characters of SHA-256 of the key; `printf %s \"$KEY\" | sha256sum | cut -c1-16`). It expires "
                + "at once; every dependent already uses the new key. Then: POST /api/v1/rotations/{id}/confirm {}.");
    }

    @Override
    public IssuedKey changeSecretKey(KeySpec key, String user) {
        throw new NeedsPerson("In the Kashier dashboard of merchant " + key.mid() + ", " + key.mode()
                + " mode, change the secret key of user '" + user + "'. The old key stops working the moment you "
                + "do, so have this ready and send the new key at once: POST /api/v1/rotations/{id}/confirm "
                + "{\"newKey\": \"<the new secret key>\"} (quote it: it contains a '$').");
    }
}
