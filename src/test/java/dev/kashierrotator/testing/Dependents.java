package dev.kashierrotator.testing;

import dev.kashierrotator.sim.DemoDependent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Real webhook dependents on free loopback ports, shared by the tests of one test world. */
public final class Dependents {

    private static final Map<String, DemoDependent> RUNNING = new ConcurrentHashMap<>();

    private Dependents() {}

    /** The dependent of that name, started on first use with that signing secret. */
    public static DemoDependent get(String name, String signingSecret) {
        return RUNNING.computeIfAbsent(name, n -> {
            try {
                return DemoDependent.start(n, signingSecret, 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The dependent of that name, started on first use by {@code starter}. */
    public static DemoDependent start(String name, Starter starter) {
        return RUNNING.computeIfAbsent(name, n -> {
            try {
                return starter.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Starts a dependent. */
    @FunctionalInterface
    public interface Starter {
        DemoDependent start() throws IOException;
    }

    /** Stops every dependent started here (a test world's end: the next one starts its own). */
    public static void stopAll() {
        RUNNING.values().removeIf(d -> {
            d.close();
            return true;
        });
    }

    /** A dependent started earlier. */
    public static DemoDependent get(String name) {
        DemoDependent d = RUNNING.get(name);
        if (d == null) {
            throw new IllegalStateException("no test dependent " + name);
        }
        return d;
    }
}
