package dev.kashierrotator.kashier;

import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.rotation.Dashboard;
import dev.kashierrotator.rotation.IssuedKey;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import java.util.List;

/**
 * The production dashboard step ({@code rotator.kashier.dashboard: manual}): Kashier has no API to
 * issue, change or delete keys, so every action becomes exact instructions for a person, answered with
 * {@code POST /api/v1/rotations/{id}/confirm}. Each says where (merchant, mode), what exactly (user or
 * fingerprint), what it does at once, and how to answer; the engine adds what happens next, which
 * depends on the rotation's plan.
 */
@ApplicationScoped
@Typed(ManualDashboard.class)
public class ManualDashboard implements Dashboard {

    /** How to send a key without putting it on a command line (shell history, process list). */
    private final String sendKey;

    private final String sendEmpty;

    public ManualDashboard(RotatorConfig config) {
        String service = config.publicUrl().map(u -> u.replaceAll("/+$", "")).orElse("<service>");
        // The console first: a field that never shows the key; then kkr, which reads it at a hidden prompt.
        // The API call is named for scripts; no recipe puts the key on a command line.
        this.sendKey = "Then paste the new key into the console, " + service + "/console/#/rotations/{id}, or at a "
                + "terminal run: kkr confirm {id} (it reads the key at a hidden prompt; for scripts: POST "
                + service + "/api/v1/rotations/{id}/confirm with {\"newKey\": \"...\"})";
        this.sendEmpty = "Then press \"Done in the dashboard\" in the console, " + service
                + "/console/#/rotations/{id}, or at a terminal run: kkr confirm {id} (for scripts: POST "
                + service + "/api/v1/rotations/{id}/confirm with {})";
    }

    @Override
    public boolean automated() {
        return false;
    }

    @Override
    public IssuedKey issuePaymentKey(KeySpec key) {
        throw new NeedsPerson("Kashier dashboard, merchant " + key.mid() + ", " + key.mode() + " mode: open "
                + "Integrate now > Payment API keys and create a new payment API key. Do not delete any key now: "
                + "dependents use the current one, and the service tells you when it may go. " + sendKey + ".");
    }

    @Override
    public List<DashboardKey> paymentKeys(KeySpec key) {
        throw new NeedsPerson("Kashier offers no API to list payment keys");
    }

    @Override
    public void deletePaymentKey(KeySpec key, String kashierKeyId, String fingerprint) {
        throw new NeedsPerson("Kashier dashboard, merchant " + key.mid() + ", " + key.mode() + " mode, "
                + "Integrate now > Payment API keys: delete the payment API key with fingerprint " + fingerprint
                + " (the first 16 hex characters of its SHA-256: read -rs KEY; printf %s \"$KEY\" | sha256sum | "
                + "cut -c1-16) and no other. It stops working at once. " + sendEmpty + ".");
    }

    @Override
    public IssuedKey changeSecretKey(KeySpec key, String user) {
        if (key.alternates()) {
            String live = key.users().stream()
                    .filter(u -> !u.equals(user))
                    .findFirst()
                    .orElse("?");
            throw new NeedsPerson("Kashier dashboard, merchant " + key.mid() + ", " + key.mode() + " mode: change "
                    + "the secret key of the standby user '" + user + "' (not '" + live + "': dependents use the key "
                    + "of '" + live + "', and it keeps working). Nobody uses the key of '" + user + "', so nothing "
                    + "breaks. " + sendKey + ".");
        }
        throw new NeedsPerson("Kashier dashboard, merchant " + key.mid() + ", " + key.mode() + " mode: change the "
                + "secret key of user '" + user + "'. The old key stops working the moment you do and every "
                + "dependent fails until it has the new one, so have this ready and send the new key at once. "
                + sendKey + ".");
    }

    @Override
    public void expireSecretKey(KeySpec key, String user) {
        throw new NeedsPerson("Kashier dashboard, merchant " + key.mid() + ", " + key.mode() + " mode: change the "
                + "secret key of user '" + user + "' and throw the new value away; this kills the current (leaked) "
                + "key of '" + user + "' at once. Do not send the new value. " + sendEmpty + ".");
    }
}
