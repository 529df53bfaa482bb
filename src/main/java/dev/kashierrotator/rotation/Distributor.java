package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.RolloutPolicy;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The rollout's adapter: hands a key to dependents (webhooks, Vault paths, Kubernetes Secrets) and asks
 * each whether it uses it. It decides nothing about waves: {@link Waves} chooses who is called when, and
 * what a result means for the rotation; the adapter reports each dependent's progress and result.
 */
public interface Distributor {

    /**
     * Delivers to each of these dependents, at most {@code policy.maxConcurrency()} at a time, with the
     * policy's delivery attempts, call timeout, circuit breaker and verify timeout, and reports to
     * {@code report} as it goes (from the delivering threads). Returns when every one has ended. Whatever a
     * report throws ends the call with it (a crash stays a crash).
     *
     * @param stop checked between attempts and polls: true ends each dependent early, failed
     */
    void deliver(
            List<Handoff> dependents, Delivery delivery, RolloutPolicy policy, Report report, BooleanSupplier stop);

    /**
     * One dependent to hand the key to. One {@code reachedBefore} (a resumed or repeated step) may use the
     * key already and is asked first; one never reached is sent it straight away (were it reached after all,
     * it deduplicates the delivery by its id).
     */
    record Handoff(String dependentId, boolean reachedBefore) {}

    /** What happens to each dependent, as it happens. */
    interface Report {
        /** An attempt to deliver to it starts. */
        void delivering(String dependentId);

        /** It took the key (its answer, or its report after a failed answer): a rollback must restore it. */
        void accepted(String dependentId);

        /** It took the delivery and is now asked whether it uses the key. */
        void verifying(String dependentId);

        /** The state of its circuit breaker after its last call. */
        void breaker(String dependentId, String state);

        /** It is done with: it reports the key ({@code confirmed}), or it failed and {@code error} says why. */
        void ended(String dependentId, boolean confirmed, String error);

        /** Called now and then while dependents are under way, from the calling thread. */
        default void waiting() {}
    }

    /**
     * Forgets the recent failures of these dependents (closes their circuit breakers): a person says they
     * are fixed, or a last delivery before an expiry must really reach them.
     */
    void forgetFailures(List<String> dependents);

    /** Those of the given dependents that report the delivery's key now (one verify call each). */
    List<String> reporting(Delivery delivery, List<String> dependents);
}
