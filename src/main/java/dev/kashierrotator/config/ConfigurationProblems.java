package dev.kashierrotator.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The one collector of what is wrong with the configuration: every check adds the entry it found at fault and
 * why, and start-up then stops once, naming all of them ({@link InvalidConfiguration}), rather than at the
 * first.
 */
public final class ConfigurationProblems {

    private final List<ConfigurationProblem> found = new ArrayList<>();

    /** {@code entry} is the property, such as {@code rotator.keys.k1.grace}; {@code why} what is wrong with it. */
    public void add(String entry, String why) {
        found.add(new ConfigurationProblem(entry, why));
    }

    /** A problem found by a check of its own. */
    public void add(ConfigurationProblem problem) {
        found.add(problem);
    }

    /** How many were found so far (a check can tell whether it added any). */
    public int size() {
        return found.size();
    }

    public boolean isEmpty() {
        return found.isEmpty();
    }

    /** Stops start-up here, naming every problem, if there is any. */
    public void throwIfAny() {
        if (!found.isEmpty()) {
            throw new InvalidConfiguration(found);
        }
    }
}
