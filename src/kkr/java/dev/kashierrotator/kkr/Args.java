package dev.kashierrotator.kkr;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The command line: positional words, {@code --name value} options and {@code --flag}s. */
final class Args {

    private static final Set<String> FLAGS =
            Set.of("emergency", "dry-run", "wait", "watch", "help", "verify-only");

    final List<String> words = new ArrayList<>();
    private final Map<String, String> options = new HashMap<>();

    Args(String[] argv) {
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (a.startsWith("--") && a.length() > 2) {
                String name = a.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq > 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                } else if (!FLAGS.contains(name)) {
                    if (i + 1 >= argv.length) {
                        throw Failure.usage("--" + name + " needs a value");
                    }
                    value = argv[++i];
                }
                options.put(name, value == null ? "true" : value);
            } else {
                words.add(a);
            }
        }
    }

    String option(String name) {
        return options.get(name);
    }

    String required(String name, String what) {
        String v = options.get(name);
        if (v == null || v.isBlank()) {
            throw Failure.usage("--" + name + " is required: " + what);
        }
        return v;
    }

    boolean flag(String name) {
        return options.containsKey(name);
    }

    /** The n-th word after the command, or a usage failure naming it. */
    String word(int n, String what) {
        if (words.size() <= n) {
            throw Failure.usage("missing " + what);
        }
        return words.get(n);
    }

    /** Options this command does not know are refused, so a typo never means something else. */
    void only(String... known) {
        Set<String> allowed = new java.util.HashSet<>(List.of(known));
        allowed.addAll(List.of("url", "ca-file", "output", "token-file"));
        for (String name : options.keySet()) {
            if (!allowed.contains(name)) {
                throw Failure.usage("unknown option --" + name);
            }
        }
    }
}
