package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.DependentSpec;
import dev.kashierrotator.inventory.DependentType;

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

    /** A dependent did not take a key. */
    class DeliveryException extends RuntimeException {
        public DeliveryException(String message) {
            super(message);
        }
    }
}
