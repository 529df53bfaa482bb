package dev.kashierrotator.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The processes a test JVM keeps on purpose beyond one test class (OpenBao, the reference receivers, the
 * control plane), by kind, with a ceiling for each kind; every other child a test class leaves running is a
 * leak ({@link ProcessLeakCheck}).
 *
 * <p>Kept in a system property rather than a static field: each Quarkus test profile loads the test classes
 * again, and a static registry would start empty in each.
 */
public final class SharedProcesses {

    private static final String PROPERTY = "kkr.test.shared-processes";

    /** The most of each kind alive at once, as issue 22 of this project set them. */
    private static final Map<String, Integer> CEILING = Map.of("openbao", 3, "reference-java", 1);

    /** The test class running on this thread (and the threads it starts), set by {@link ProcessLeakCheck}. */
    static final InheritableThreadLocal<String> OWNER = new InheritableThreadLocal<>();

    /** Processes started by a test class through {@link #owned(Process)}: pid to the class. */
    private static final Map<Long, String> OWNED = new java.util.concurrent.ConcurrentHashMap<>();

    /** The test classes running now (integration test classes run three at a time). */
    static final java.util.Set<String> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private SharedProcesses() {}

    /**
     * Records that the test class running on this thread started {@code process} and must stop it before it
     * ends; returns the process.
     */
    public static Process owned(Process process) {
        String owner = OWNER.get();
        if (owner != null) {
            OWNED.put(process.pid(), owner);
        }
        return process;
    }

    /** The class that started a process through {@link #owned(Process)}, if any. */
    static Optional<String> ownerOf(long pid) {
        return Optional.ofNullable(OWNED.get(pid));
    }

    /**
     * Records {@code process} as kept on purpose, and fails when that takes its kind over its ceiling (the
     * process is stopped then: a leak is not kept).
     */
    public static synchronized void keep(String kind, Process process) {
        Map<Long, String> kept = read();
        kept.put(process.pid(), kind);
        write(kept);
        int ceiling = CEILING.getOrDefault(kind, Integer.MAX_VALUE);
        // read() keeps only the living.
        long alive = kept.values().stream().filter(kind::equals).count();
        if (alive > ceiling) {
            process.destroyForcibly();
            throw new IllegalStateException(alive + " " + kind + " processes alive at once; at most " + ceiling
                    + " may be (a previous one was not stopped by its owner)");
        }
    }

    /** Stops a kept process and waits (up to 10 s) until it has exited. */
    public static synchronized void stop(Process process) {
        Map<Long, String> kept = read();
        kept.remove(process.pid());
        write(kept);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A note left by {@link #note(String, String)}, if any. */
    public static synchronized Optional<String> note(String name) {
        return Optional.ofNullable(System.getProperty(PROPERTY + "." + name));
    }

    /** Remembers a note (a port, a token) beside the kept processes, for the next profile's classes. */
    public static synchronized void note(String name, String value) {
        System.setProperty(PROPERTY + "." + name, value);
    }

    public static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * This JVM's children that are alive and not kept, after giving the ones on their way out up to
     * {@code grace} to finish: each described by its pid and command line. {@code mine} says which of them
     * to look at (by pid).
     */
    public static List<String> left(Duration grace, java.util.function.LongPredicate mine) {
        Map<Long, String> kept;
        synchronized (SharedProcesses.class) {
            kept = read();
        }
        List<ProcessHandle> others = ProcessHandle.current()
                .children()
                .filter(ProcessHandle::isAlive)
                .filter(p -> !kept.containsKey(p.pid()))
                .filter(p -> mine.test(p.pid()))
                .toList();
        List<String> left = new ArrayList<>();
        long until = System.nanoTime() + grace.toNanos();
        for (ProcessHandle p : others) {
            try {
                p.onExit().get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                left.add(p.pid() + " " + p.info().commandLine().orElse("(command unknown)"));
            } catch (ExecutionException e) {
                left.add(p.pid() + " (" + e.getCause() + ")");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return left;
            }
        }
        return left;
    }

    private static Map<Long, String> read() {
        Map<Long, String> kept = new LinkedHashMap<>();
        String raw = System.getProperty(PROPERTY, "");
        for (String entry : raw.split(",")) {
            int at = entry.indexOf('=');
            if (at > 0) {
                long pid = Long.parseLong(entry.substring(0, at));
                if (alive(pid)) {
                    kept.put(pid, entry.substring(at + 1));
                }
            }
        }
        return kept;
    }

    private static void write(Map<Long, String> kept) {
        StringBuilder b = new StringBuilder();
        kept.forEach((pid, kind) ->
                b.append(b.length() == 0 ? "" : ",").append(pid).append('=').append(kind));
        System.setProperty(PROPERTY, b.toString());
    }
}
