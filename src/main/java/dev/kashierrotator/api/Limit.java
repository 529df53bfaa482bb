package dev.kashierrotator.api;

import dev.kashierrotator.problem.Problem;
import dev.kashierrotator.problem.ProblemException;

/** The {@code limit} query parameter of list endpoints: a whole number from 1 to 1000. */
final class Limit {

    static final int MAX = 1000;

    private Limit() {}

    /** The limit asked for, or {@code fallback} when none was; 400 naming {@code limit} when it is bad. */
    static int parse(String text, int fallback) {
        if (text == null) {
            return fallback;
        }
        int n;
        try {
            n = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 1 || n > MAX) {
            throw new ProblemException(Problem.invalid("limit", "must be a whole number from 1 to " + MAX));
        }
        return n;
    }
}
