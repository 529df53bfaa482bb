package dev.kashierrotator.api;

import dev.kashierrotator.problem.Problem;
import dev.kashierrotator.problem.ProblemException;
import dev.kashierrotator.util.KeyMaskingFilter;
import dev.kashierrotator.util.Printable;

/**
 * A reason a person gives (for a rotation, an abort, a pause): stored in Vault and shown to everyone who may
 * read it, so bounded, and refused when it looks like it holds a key.
 */
final class Reasons {

    static final int MAX = 500;

    private Reasons() {}

    /**
     * The reason, stripped; null when it is optional and not given.
     *
     * @param why what the reason is for, in the message when a required one is missing ("say why ...")
     * @throws ProblemException naming the field {@code reason}
     */
    static String checked(String reason, boolean required, String why) {
        if (reason == null || reason.isBlank()) {
            if (required) {
                throw new ProblemException(Problem.invalid("reason", "required: say why " + why));
            }
            return null;
        }
        String stripped = reason.strip();
        if (stripped.length() > MAX) {
            throw new ProblemException(Problem.invalid("reason", "at most " + MAX + " characters"));
        }
        if (Printable.hasControl(stripped)) {
            throw new ProblemException(Problem.invalid(
                    "reason",
                    "holds a control character (such as a line break or a terminal escape); a reason is one line "
                            + "of text, shown on terminals and in chat"));
        }
        if (KeyMaskingFilter.containsKeyShape(stripped)) {
            throw new ProblemException(Problem.invalid(
                    "reason",
                    "looks like it holds a Kashier key; a reason is "
                            + "stored and shown to everyone who may read it: never put a key in it"));
        }
        return stripped;
    }
}
