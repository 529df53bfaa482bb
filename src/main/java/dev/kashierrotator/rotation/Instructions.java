package dev.kashierrotator.rotation;

import dev.kashierrotator.inventory.KeySpec;
import dev.kashierrotator.util.Durations;
import java.util.List;

/**
 * What happens after a person answers a dashboard step, for the instructions the rotation shows. The
 * dashboard says what to do; this says why now and what follows, which depends on the rotation's plan
 * (emergency order, grace, alternating users) and so on the engine's knowledge, not the dashboard's.
 */
final class Instructions {

    private Instructions() {}

    /** The whole message a person reads for a step that waits for them: what to do, and what follows. */
    static String forPerson(Dashboard.NeedsPerson asked, Rotation r, KeySpec key, StepName step) {
        String next = next(r, key, step);
        return (asked.getMessage() + (next.isEmpty() ? "" : " " + next)).replace("{id}", r.id());
    }

    /** Before an expiry: dependents that still hold only the old key. */
    static String stragglers(Rotation r, KeySpec key, List<String> behind, String errors) {
        return "Merchant " + key.mid() + ", " + key.mode() + " mode, key " + key.id() + ": the old key (fingerprint "
                + r.oldKey().fingerprint() + ") is NOT expired: dependent(s) " + String.join(", ", behind)
                + " still hold "
                + "only it (" + errors + "). Nothing to do in the Kashier dashboard. Fix those dependents, then "
                + "press \"The dependents are fixed\" in the console or run: kkr confirm {id} (for scripts: POST "
                + "/api/v1/rotations/{id}/confirm with {}). Next: the service delivers the "
                + "new key (fingerprint " + r.newFingerprint() + ") to them again and expires the old key only once "
                + "every dependent reports the new one.";
    }

    /**
     * After the old key died (a single-user secret key's change, or a revoke-first expiry): dependents
     * that could not be given the new key.
     */
    static String stranded(Rotation r, KeySpec key, List<String> behind, String errors) {
        String user = KeyKindRules.of(key).user(key, r);
        String whose = user == null ? "" : " (user '" + user + "')";
        return "Merchant " + key.mid() + ", " + key.mode() + " mode, key " + key.id() + whose + ": dependent(s) "
                + String.join(", ", behind) + " could not be given the new key (fingerprint "
                + r.newFingerprint() + ": " + errors + ") and hold the old one, which Kashier no longer accepts. "
                + "Nothing to do in the Kashier dashboard. Fix those dependents, then press \"The dependents are "
                + "fixed\" in the console or run: kkr confirm {id} (for scripts: POST /api/v1/rotations/{id}/confirm "
                + "with {}). Next: the service delivers the new key to them again; "
                + "dependents already on it are not touched.";
    }

    static String next(Rotation r, KeySpec key, StepName step) {
        if (!r.personWait().blockedBy().isEmpty()) {
            // Waiting for dependents to be fixed: that message says all there is.
            return "";
        }
        long dependents =
                r.waves().stream().mapToLong(w -> w.dependents().size()).sum();
        String fleet = dependents + " dependent(s) in " + r.waves().size() + " wave(s)";
        List<StepName> plan = r.plan();
        boolean revokeFirst = plan.indexOf(StepName.EXPIRE_OLD_KEY) >= 0
                && plan.indexOf(StepName.EXPIRE_OLD_KEY) < plan.indexOf(StepName.ROLLOUT);
        return switch (step) {
            case ISSUE_NEW_KEY ->
                "Next: the service keeps the key in Vault where readers of the key "
                        + "path cannot see it yet, rolls it out to " + fleet
                        + (r.request().emergency() ? " at once" : ", wave by wave")
                        + ", and waits until each reports it. "
                        + (revokeFirst
                                ? "Revoke-first: right after your answer you are asked to delete the old key "
                                        + "(fingerprint " + r.oldKey().fingerprint() + "), before the rollout."
                                : r.request().emergency()
                                        ? "Then, with no grace, you are asked to delete the old key (fingerprint "
                                                + r.oldKey().fingerprint() + ")."
                                        : "Then the old key (fingerprint "
                                                + r.oldKey().fingerprint()
                                                + ") stays valid for the "
                                                + "grace period (" + Durations.format(key.grace())
                                                + ") and you are asked to delete it.");
            case CHANGE_SECRET_KEY ->
                KeyKindRules.of(key).takesTurns()
                        ? "Next: the new key of '" + r.toUser() + "' is rolled out to " + fleet
                                + (r.request().emergency() ? " at once" : ", wave by wave")
                                + "; once every dependent reports it, "
                                + "Vault serves it and '" + r.fromUser() + "' becomes the standby user, whose key is "
                                + "changed at the next rotation."
                                + (revokeFirst
                                        ? " Revoke-first: right after your answer you are asked to kill the key "
                                                + "of '" + r.fromUser() + "', before the rollout."
                                        : r.request().emergency()
                                                ? " Then you are asked to kill the leaked key of '" + r.fromUser()
                                                        + "'."
                                                : "")
                        : "Next: Vault serves the new key at once and all " + fleet + " get it at the same time; the "
                                + "exposure window (old key dead until the last dependent confirmed) is recorded.";
            case EXPIRE_OLD_KEY ->
                revokeFirst
                        ? "Revoke-first: dependents still use this key and fail until the rollout, which starts right "
                                + "after your answer (all " + fleet + " at once), reaches them."
                        : "Every one of the " + fleet + " confirmed the new key (fingerprint " + r.newFingerprint()
                                + ")"
                                + (r.request().emergency() ? "" : " and the grace period is over")
                                + ", so nothing uses the old key. "
                                + "Next: the rotation completes.";
            default -> "";
        };
    }
}
