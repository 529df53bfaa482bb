package dev.kashierrotator.rotation;

import static dev.kashierrotator.rotation.StepName.CHANGE_SECRET_KEY;
import static dev.kashierrotator.rotation.StepName.EXPIRE_OLD_KEY;
import static dev.kashierrotator.rotation.StepName.GRACE;
import static dev.kashierrotator.rotation.StepName.ISSUE_NEW_KEY;
import static dev.kashierrotator.rotation.StepName.PROMOTE;
import static dev.kashierrotator.rotation.StepName.ROLLOUT;
import static dev.kashierrotator.rotation.StepName.STAGE_PENDING;
import static dev.kashierrotator.rotation.StepName.STORE_NEW_KEY;
import static dev.kashierrotator.rotation.StepName.VERIFY_NEW_KEY;

import dev.kashierrotator.inventory.KeySpec;
import java.util.List;

/** The plans a rotation may follow, by key kind and urgency (each kind chooses its own). Pure: no state, no I/O. */
public final class Plans {

    /** Routine payment key: issue, verify, stage, roll out in waves, promote, grace, expire. */
    public static final List<StepName> PAYMENT =
            List.of(ISSUE_NEW_KEY, VERIFY_NEW_KEY, STAGE_PENDING, ROLLOUT, PROMOTE, GRACE, EXPIRE_OLD_KEY);
    /** Single-user secret key: the change kills the old key, so it is stored and rolled out at once. */
    public static final List<StepName> SECRET = List.of(CHANGE_SECRET_KEY, VERIFY_NEW_KEY, STORE_NEW_KEY, ROLLOUT);
    /** Emergency, push-first: everyone gets the new key at once, then the old one dies; no grace. */
    public static final List<StepName> PAYMENT_EMERGENCY_PUSH_FIRST =
            List.of(ISSUE_NEW_KEY, VERIFY_NEW_KEY, STAGE_PENDING, ROLLOUT, PROMOTE, EXPIRE_OLD_KEY);
    /** Emergency, revoke-first: the abused key dies as soon as a working new one exists. */
    public static final List<StepName> PAYMENT_EMERGENCY_REVOKE_FIRST =
            List.of(ISSUE_NEW_KEY, VERIFY_NEW_KEY, EXPIRE_OLD_KEY, STAGE_PENDING, ROLLOUT, PROMOTE);
    /** Alternating users: change the standby user's key, roll it out in waves, promote; the old key keeps working. */
    public static final List<StepName> ALTERNATING =
            List.of(CHANGE_SECRET_KEY, VERIFY_NEW_KEY, STAGE_PENDING, ROLLOUT, PROMOTE);
    /** Alternating users in an emergency: the previous user's key is changed too, which kills the leaked one. */
    public static final List<StepName> ALTERNATING_EMERGENCY_PUSH_FIRST =
            List.of(CHANGE_SECRET_KEY, VERIFY_NEW_KEY, STAGE_PENDING, ROLLOUT, PROMOTE, EXPIRE_OLD_KEY);

    public static final List<StepName> ALTERNATING_EMERGENCY_REVOKE_FIRST =
            List.of(CHANGE_SECRET_KEY, VERIFY_NEW_KEY, EXPIRE_OLD_KEY, STAGE_PENDING, ROLLOUT, PROMOTE);

    private Plans() {}

    /** The steps of a rotation, in order: the key kind's plan ({@link KeyKindRules#plan}). */
    public static List<StepName> of(KeySpec key, boolean emergency, EmergencyOrder order) {
        return KeyKindRules.of(key).plan(emergency, order == EmergencyOrder.REVOKE_FIRST);
    }
}
