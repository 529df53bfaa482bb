package dev.kashierrotator.security;

import dev.kashierrotator.api.Problem;
import dev.kashierrotator.api.ProblemException;
import dev.kashierrotator.inventory.Mode;
import jakarta.enterprise.context.RequestScoped;

/** Who is calling the API in this request, once authenticated, and what they may do. */
@RequestScoped
public class Caller {

    private AccessControl.Principal principal;

    public String subject() {
        return principal == null ? null : principal.subject();
    }

    public Role role() {
        return principal.role();
    }

    void authenticate(AccessControl.Principal p) {
        this.principal = p;
    }

    /** Whether the caller may see or act on keys of this mode. */
    public boolean sees(Mode mode) {
        return principal != null && principal.role().modes().contains(mode);
    }

    /** Ends the request with 403 unless the caller has the permission (for keys of this mode, if given). */
    public void require(Permission permission, Mode mode) {
        if (principal == null || !principal.role().permissions().contains(permission)) {
            throw new ProblemException(Problem.of(403, "forbidden", "Forbidden", "role '"
                    + (principal == null ? "none" : principal.role().name()) + "' lacks permission " + permission));
        }
        if (mode != null && !sees(mode)) {
            throw new ProblemException(Problem.of(403, "forbidden", "Forbidden", "role '"
                    + principal.role().name() + "' is limited to " + principal.role().modes() + " keys"));
        }
    }
}
