package dev.kashierrotator.inventory;

import java.util.List;
import java.util.Optional;

/**
 * One dependent system of the inventory, validated. Type-specific fields are empty for other types.
 *
 * @param signingSecret webhook HMAC secret; never logged or returned
 * @param restart       kubernetes-secret: the Deployments, StatefulSets and DaemonSets rolled after the Secret changes
 * @param caBundle      webhook: PEM file of the CAs trusted for this dependent (else the JVM's trust store)
 * @param confirmation  vault-kv: how its consumer confirms the new key
 * @param confirmPath   vault-kv with {@link Confirmation#CONFIRM_PATH}: where the consumer writes what it uses
 */
public record DependentSpec(
        String id,
        List<String> keys,
        int wave,
        DependentType type,
        Optional<String> url,
        Optional<String> verifyUrl,
        Optional<String> signingSecret,
        boolean inlineDelivery,
        Optional<String> path,
        Optional<String> namespace,
        Optional<String> secretName,
        List<Workload> restart,
        Optional<String> caBundle,
        Optional<Confirmation> confirmation,
        Optional<String> confirmPath) {

    @Override
    public String toString() {
        return "DependentSpec[" + id + ", " + type + ", wave " + wave + "]";
    }
}
