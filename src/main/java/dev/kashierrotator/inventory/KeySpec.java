package dev.kashierrotator.inventory;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One Kashier key of the inventory, validated.
 *
 * @param id       key id used in the API and in Vault paths
 * @param account  local account name
 * @param mid      Kashier merchant id of the account
 * @param user     dashboard user owning a single-user secret key
 * @param users    the two users of an alternating-users secret key
 * @param schedule when the key rotates by itself, if at all
 * @param grace    how long the previous payment key stays valid after a rotation
 * @param rollout  the wave policy for this key (the global one with the key's overrides)
 */
public record KeySpec(
        String id,
        String account,
        String mid,
        Mode mode,
        KeyKind kind,
        Strategy strategy,
        String user,
        List<String> users,
        Optional<SchedulePolicy> schedule,
        Duration grace,
        RolloutPolicy rollout) {

    public boolean isPaymentKey() {
        return kind == KeyKind.PAYMENT_API_KEY;
    }

    /** A secret key that takes turns between two dashboard users, so the old key keeps working. */
    public boolean alternates() {
        return strategy == Strategy.ALTERNATING_USERS;
    }

    /** The user whose key is changed next, given the user of the current key. */
    public String nextUser(Optional<String> currentUser) {
        if (!alternates()) {
            return user;
        }
        return currentUser
                .filter(u -> u.equals(users.get(0)))
                .map(u -> users.get(1))
                .orElse(users.get(0));
    }
}
