package dev.kashierrotator.inventory;

import java.util.List;
import java.util.Optional;

/**
 * One dependent system of the inventory, validated. Type-specific fields are empty for other types.
 *
 * @param signingSecret webhook HMAC secret; never logged or returned
 * @param restart       kubernetes-secret: Deployments rolled after the Secret changes
 */
public record DependentSpec(String id, List<String> keys, int wave, DependentType type,
                            Optional<String> url, Optional<String> verifyUrl, Optional<String> signingSecret,
                            boolean inlineDelivery, Optional<String> path, Optional<String> namespace,
                            Optional<String> secretName, List<String> restart) {

    @Override
    public String toString() {
        return "DependentSpec[" + id + ", " + type + ", wave " + wave + "]";
    }
}
