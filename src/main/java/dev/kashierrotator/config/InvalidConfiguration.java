package dev.kashierrotator.config;

import java.util.List;

/**
 * The configuration is invalid: start-up stops with one line per problem, each naming its entry. Recognised
 * by its type ({@code StartupFailure}), never by its text.
 */
public class InvalidConfiguration extends IllegalStateException {

    private final List<ConfigurationProblem> problems;

    InvalidConfiguration(List<ConfigurationProblem> problems) {
        super("Invalid rotator configuration (" + problems.size() + (problems.size() == 1 ? " problem" : " problems")
                + "):\n  - "
                + String.join(
                        "\n  - ", problems.stream().map(Throwable::getMessage).toList()));
        this.problems = List.copyOf(problems);
    }

    /** Each problem as a person reads it: the entry, then what is wrong with it. */
    public List<String> problems() {
        return problems.stream().map(Throwable::getMessage).toList();
    }

    /** The entries at fault, in the order they were found. */
    public List<String> entries() {
        return problems.stream().map(ConfigurationProblem::entry).toList();
    }
}
