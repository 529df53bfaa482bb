package dev.kashierrotator.kashier;

import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.rotation.Dashboard;
import dev.kashierrotator.rotation.IssuedKey;
import dev.kashierrotator.rotation.KashierApi;
import java.util.List;
import java.util.function.Supplier;
import org.eclipse.microprofile.faulttolerance.exceptions.FaultToleranceException;

/**
 * The fault-tolerance interceptors on Kashier's adapters throw their own exceptions (a timeout, an open
 * circuit breaker) from outside the adapters' methods. Here they become what the rotation domain knows:
 * {@link KashierUnavailableException}, a passing failure that a step retries.
 */
final class FaultTranslation {

    private FaultTranslation() {}

    static <T> T translated(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (FaultToleranceException e) {
            throw new KashierUnavailableException(what + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
        }
    }

    /** Kashier's API, with fault-tolerance exceptions translated. */
    static KashierApi api(KashierApi api) {
        return (mode, secretKey) -> translated("Kashier " + mode + " API", () -> api.acceptsSecretKey(mode, secretKey));
    }

    /** A dashboard, with fault-tolerance exceptions translated. */
    static Dashboard dashboard(Dashboard dashboard) {
        return new Dashboard() {
            @Override
            public boolean automated() {
                return dashboard.automated();
            }

            @Override
            public IssuedKey issuePaymentKey(KeySpec key) {
                return translated("Kashier dashboard", () -> dashboard.issuePaymentKey(key));
            }

            @Override
            public List<DashboardKey> paymentKeys(KeySpec key) {
                return translated("Kashier dashboard", () -> dashboard.paymentKeys(key));
            }

            @Override
            public void deletePaymentKey(KeySpec key, String kashierKeyId, String fingerprint) {
                translated("Kashier dashboard", () -> {
                    dashboard.deletePaymentKey(key, kashierKeyId, fingerprint);
                    return null;
                });
            }

            @Override
            public IssuedKey changeSecretKey(KeySpec key, String user) {
                return translated("Kashier dashboard", () -> dashboard.changeSecretKey(key, user));
            }

            @Override
            public void expireSecretKey(KeySpec key, String user) {
                translated("Kashier dashboard", () -> {
                    dashboard.expireSecretKey(key, user);
                    return null;
                });
            }
        };
    }
}
