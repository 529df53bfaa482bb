package dev.kashierrotator.inventory;

import java.util.List;

/** The inventory is invalid: start-up stops with one line per problem, each naming its entry. */
public class InventoryException extends RuntimeException {

    private final List<String> problems;

    public InventoryException(List<String> problems) {
        super("Invalid rotator configuration (" + problems.size() + (problems.size() == 1 ? " problem" : " problems")
                + "):\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
