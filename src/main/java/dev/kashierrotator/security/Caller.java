package dev.kashierrotator.security;

import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.problem.Problem;
import dev.kashierrotator.problem.ProblemException;
import jakarta.enterprise.context.RequestScoped;

/** Who is calling the API in this request, once authenticated, and what they may do. */
@RequestScoped
public class Caller {

    private AccessControl.Principal principal;
    private Audited audited;
    private String aboutKey;
    private String sourceIp;
    private boolean deniedRecorded;

    /** What a call that changes something is, for the audit trail; set before its permissions are checked. */
    public record Audited(String action, String keyId, String rotationId, String detail) {}

    public String subject() {
        return principal == null ? null : principal.subject();
    }

    public Role role() {
        return principal.role();
    }

    /** When the caller's credential expires (a JWT's), if it does: a stream it opens ends then. */
    public java.util.Optional<java.time.Instant> until() {
        return principal == null ? java.util.Optional.empty() : java.util.Optional.ofNullable(principal.until());
    }

    void authenticate(AccessControl.Principal p, String sourceIp) {
        this.principal = p;
        this.sourceIp = sourceIp;
    }

    /** Where the call came from. */
    public String sourceIp() {
        return sourceIp;
    }

    /**
     * Marks this call's denial as already in the audit trail (an event stream refused before it opened,
     * whose answer the response filter never sees): the filter does not count it twice.
     */
    public void deniedRecorded() {
        this.deniedRecorded = true;
    }

    public boolean isDeniedRecorded() {
        return deniedRecorded;
    }

    /** Marks this call as one the audit trail records, whatever its outcome. */
    public void audited(String action, String keyId, String rotationId) {
        this.audited = new Audited(action, keyId, rotationId, null);
    }

    /** What the audited call did, in words (such as a pause's expiry and reason), once it succeeded. */
    public void auditDetail(String detail) {
        if (audited != null) {
            audited = new Audited(audited.action(), audited.keyId(), audited.rotationId(), detail);
        }
    }

    /** The key this call is about, once the resource knows it (for the audit of a denied read). */
    public void about(String keyId) {
        this.aboutKey = keyId;
    }

    public String aboutKey() {
        return aboutKey;
    }

    /** The audited action of this call, if it is one. */
    public Audited audited() {
        return audited;
    }

    /** Whether the caller may see or act on keys of this mode. */
    public boolean sees(Mode mode) {
        return principal != null && principal.role().modes().contains(mode);
    }

    /**
     * Whether the caller may learn of a key whose mode the inventory gives (empty: a key no longer in the
     * inventory, shown only to callers who see every mode).
     */
    public boolean seesKeyOf(java.util.Optional<Mode> mode) {
        return mode.map(this::sees)
                .orElseGet(() -> java.util.Arrays.stream(Mode.values()).allMatch(this::sees));
    }

    /** Ends the request with 403 unless the caller has the permission (for keys of this mode, if given). */
    public void require(Permission permission, Mode mode) {
        if (principal == null || !principal.role().permissions().contains(permission)) {
            throw new ProblemException(Problem.of(
                    403,
                    "forbidden",
                    "Forbidden",
                    "role '" + (principal == null ? "none" : principal.role().name()) + "' lacks permission "
                            + permission));
        }
        if (mode != null && !sees(mode)) {
            throw new ProblemException(Problem.of(
                    403,
                    "forbidden",
                    "Forbidden",
                    "role '" + principal.role().name() + "' is limited to "
                            + principal.role().modes() + " keys"));
        }
    }

    /**
     * Ends the request with 403 unless the caller has the permission for keys of every mode: an action on
     * the whole schedule (its pause) holds live keys too, so a role limited to test keys may not take it.
     */
    public void requireEveryMode(Permission permission, String why) {
        require(permission, null);
        for (Mode m : Mode.values()) {
            if (!sees(m)) {
                throw new ProblemException(Problem.of(
                        403,
                        "forbidden",
                        "Forbidden",
                        why + ": role '" + principal.role().name() + "' is limited to "
                                + principal.role().modes() + " keys"));
            }
        }
    }

    /**
     * The key, or the answer for one the caller may not learn about: 403 (after checking the permission)
     * for a caller limited to some modes, whatever the id, so that ids of keys in other modes cannot be
     * told from ids that do not exist; 404 for a caller who sees every mode.
     */
    public <K> K requireKey(
            Permission permission,
            java.util.Optional<K> key,
            java.util.function.Function<K, Mode> mode,
            java.util.function.Supplier<RuntimeException> unknown) {
        require(permission, null);
        if (key.isEmpty()) {
            if (java.util.Arrays.stream(Mode.values()).allMatch(this::sees)) {
                throw unknown.get();
            }
            throw new ProblemException(Problem.of(
                    403,
                    "forbidden",
                    "Forbidden",
                    "role '" + principal.role().name() + "' is limited to "
                            + principal.role().modes() + " keys"));
        }
        require(permission, mode.apply(key.get()));
        return key.get();
    }
}
