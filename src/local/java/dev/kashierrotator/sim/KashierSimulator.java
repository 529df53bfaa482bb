package dev.kashierrotator.sim;

import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.rotation.Fingerprints;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-memory stand-in for Kashier where the service depends on it (docs/configuration.md, Kashier simulator): secret keys per
 * dashboard user and mode, any number of payment API keys, immediate expiry when a key is changed or
 * deleted, and test/live isolation. State lives as long as the process.
 */
@ApplicationScoped
public class KashierSimulator {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, Merchant> merchants = new ConcurrentHashMap<>();
    private final Set<String> everIssued = ConcurrentHashMap.newKeySet();

    /** A key as the dashboard lists it. */
    public record DashboardKey(
            String id, String kind, String user, String fingerprint, boolean active, Instant createdAt) {}

    /**
     * A key value just shown by the dashboard.
     *
     * @param key the value, shown once as Kashier's dashboard does; never logged
     */
    public record ShownKey(String id, String key, String fingerprint) {
        @Override
        public String toString() {
            return "ShownKey[" + id + ", " + fingerprint + "]";
        }
    }

    private static final class Entry {
        final String id;
        final String kind;
        final String user;
        final String value;
        final Instant createdAt = Instant.now();
        volatile boolean active = true;

        Entry(String id, String kind, String user, String value) {
            this.id = id;
            this.kind = kind;
            this.user = user;
            this.value = value;
        }
    }

    private static final class Merchant {
        final List<Entry> entries = new ArrayList<>();
    }

    public ShownKey issuePaymentKey(Mode mode, String mid) {
        return add(mode, mid, "payment-api-key", null, UUID.randomUUID().toString());
    }

    /** Deletes a payment key by id or fingerprint; it expires at once. False when no active key matched. */
    public boolean deletePaymentKey(Mode mode, String mid, String idOrFingerprint) {
        Merchant m = merchant(mode, mid);
        synchronized (m) {
            for (Entry e : m.entries) {
                if (e.kind.equals("payment-api-key")
                        && e.active
                        && (e.id.equals(idOrFingerprint)
                                || Fingerprints.of(e.value).equals(idOrFingerprint))) {
                    e.active = false;
                    return true;
                }
            }
        }
        return false;
    }

    /** Gives the user a new secret key; the old one stops working immediately. */
    public ShownKey changeSecretKey(Mode mode, String mid, String user) {
        Merchant m = merchant(mode, mid);
        synchronized (m) {
            m.entries.stream()
                    .filter(e -> e.kind.equals("secret-key") && e.user.equals(user))
                    .forEach(e -> e.active = false);
            return add(mode, mid, "secret-key", user, newSecretKey());
        }
    }

    /**
     * Registers a key that exists elsewhere (in Vault) as active, so that a restarted simulator keeps
     * agreeing with the keys the service already holds. Returns the dashboard id.
     */
    public String adopt(Mode mode, String mid, String kind, String user, String value, Optional<String> id) {
        Merchant m = merchant(mode, mid);
        synchronized (m) {
            for (Entry e : m.entries) {
                if (e.value.equals(value)) {
                    return e.id;
                }
            }
            if (kind.equals("secret-key")) {
                m.entries.stream()
                        .filter(e -> e.kind.equals(kind) && e.user.equals(user))
                        .forEach(e -> e.active = false);
            }
            Entry e = new Entry(id.orElse("sim-" + UUID.randomUUID()), kind, user, value);
            m.entries.add(e);
            everIssued.add(value);
            return e.id;
        }
    }

    /** Whether the secret key is active in this mode (in any merchant of the mode, as Kashier looks it up). */
    public boolean authenticates(Mode mode, String secretKey) {
        if (secretKey == null || secretKey.isEmpty()) {
            return false;
        }
        String prefix = mode.id() + "/";
        return merchants.entrySet().stream()
                .filter(me -> me.getKey().startsWith(prefix))
                .anyMatch(me -> {
                    synchronized (me.getValue()) {
                        return me.getValue().entries.stream()
                                .anyMatch(e -> e.kind.equals("secret-key") && e.active && e.value.equals(secretKey));
                    }
                });
    }

    /** Whether a payment key (by fingerprint) is active for the merchant, as Kashier would honour it. */
    public boolean authenticatesPaymentKey(Mode mode, String mid, String fingerprint) {
        return list(mode, mid).stream()
                .anyMatch(k -> k.kind().equals("payment-api-key")
                        && k.active()
                        && k.fingerprint().equals(fingerprint));
    }

    public List<DashboardKey> list(Mode mode, String mid) {
        Merchant m = merchant(mode, mid);
        synchronized (m) {
            return m.entries.stream()
                    .map(e -> new DashboardKey(e.id, e.kind, e.user, Fingerprints.of(e.value), e.active, e.createdAt))
                    .toList();
        }
    }

    /** Every key value this simulator ever issued or adopted, so tests can prove none of them leaks. */
    public Set<String> everIssued() {
        return Set.copyOf(everIssued);
    }

    private ShownKey add(Mode mode, String mid, String kind, String user, String value) {
        Merchant m = merchant(mode, mid);
        Entry e = new Entry((kind.equals("secret-key") ? "sk-" : "pk-") + UUID.randomUUID(), kind, user, value);
        synchronized (m) {
            m.entries.add(e);
        }
        everIssued.add(value);
        return new ShownKey(e.id, value, Fingerprints.of(value));
    }

    private Merchant merchant(Mode mode, String mid) {
        return merchants.computeIfAbsent(mode.id() + "/" + mid, k -> new Merchant());
    }

    /** Kashier's secret key shape: 32 hex characters, '$', 96 hex characters. */
    static String newSecretKey() {
        byte[] a = new byte[16];
        byte[] b = new byte[48];
        RANDOM.nextBytes(a);
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(a) + "$" + HexFormat.of().formatHex(b);
    }
}
