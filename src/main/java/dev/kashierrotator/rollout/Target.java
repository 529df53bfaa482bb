package dev.kashierrotator.rollout;

import dev.kashierrotator.inventory.DependentSpec;
import dev.kashierrotator.inventory.DependentType;
import dev.kashierrotator.rotation.Delivery;
import java.util.Optional;

/** One way of handing a key to a dependent and checking that it really uses it. */
public interface Target {

    DependentType type();

    /**
     * One delivery attempt.
     *
     * @return true when the dependent's answer already reports the delivered key's fingerprint as the one it
     *         uses (then no separate check is needed); false when only a {@link #confirms} check can tell
     * @throws DeliveryException when the dependent did not accept it; the message names the reason, never a key
     */
    boolean deliver(DependentSpec dependent, Delivery delivery);

    /** One check: does the dependent now report the delivered key's fingerprint? */
    boolean confirms(DependentSpec dependent, Delivery delivery);

    /**
     * Why the dependent does not report the delivered key, as far as this target can tell, for the error a
     * person reads when the check gives up (a Secret deleted, a workload missing, a rollout halfway). Empty
     * when there is nothing to add to "did not report it". Never a key.
     */
    default Optional<String> whyNotConfirmed(DependentSpec dependent, Delivery delivery) {
        return Optional.empty();
    }

    /** A dependent did not take a key. */
    class DeliveryException extends RuntimeException {
        public DeliveryException(String message) {
            super(message);
        }
    }
}
