package dev.kashierrotator.rotation;

/**
 * The steps a rotation can go through. Persisted by name in the rotation record, so a name, once
 * written to Vault, is never renamed.
 */
public enum StepName {
    /** Payment keys: a new key is made on the dashboard (by the service, or by a person). */
    ISSUE_NEW_KEY,
    /** Secret keys: a user's key is changed on the dashboard, which kills that user's old key. */
    CHANGE_SECRET_KEY,
    /** The new key is checked against Kashier. */
    VERIFY_NEW_KEY,
    /** The new key is kept in Vault beside the current one, where readers of the key path do not see it. */
    STAGE_PENDING,
    /** Single-user secret keys: Vault serves the new key at once (the old one is dead already). */
    STORE_NEW_KEY,
    /** Dependents get the new key, wave by wave, and each reports it. */
    ROLLOUT,
    /** Vault serves the new key at the key path. */
    PROMOTE,
    /** The previous payment key stays valid for a while. */
    GRACE,
    /** The old key is killed on the dashboard. */
    EXPIRE_OLD_KEY,
    /** Added when a rotation is put back on the old key. */
    ROLL_BACK;

    /** Whether a person answers this step with a new key (not just "done"). */
    public boolean takesNewKey() {
        return this == ISSUE_NEW_KEY || this == CHANGE_SECRET_KEY;
    }

    /** Whether the step changes something on the Kashier dashboard or in what Vault serves: fenced first. */
    boolean irreversible() {
        return this == ISSUE_NEW_KEY
                || this == CHANGE_SECRET_KEY
                || this == PROMOTE
                || this == STORE_NEW_KEY
                || this == EXPIRE_OLD_KEY;
    }
}
