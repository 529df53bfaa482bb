package dev.kashierrotator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * After every test JVM of the build has ended: no orphaned process started from this project's folder is
 * left (an OpenBao, a reference receiver, a service, a control plane whose test JVM is gone). Processes with
 * a living parent (a developer's local run beside the build) are not the tests'. Runs with
 * {@link WholeRunOutputScan}, last.
 */
class NothingOutlivesTheBuild {

    @Test
    void noProcessOfTheTestsOutlivesThem() throws IOException {
        Path project = Path.of("").toAbsolutePath().normalize();
        Set<Long> mine = new HashSet<>();
        for (Optional<ProcessHandle> p = Optional.of(ProcessHandle.current());
                p.isPresent();
                p = p.get().parent()) {
            mine.add(p.get().pid());
        }
        // Shutdown hooks of the JVMs that just ended may still be stopping what they kept: give them a while.
        try {
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> leftIn(project, mine).isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // named below
        }
        assertEquals(List.of(), leftIn(project, mine), "processes started by the tests outlived their test JVM");
    }

    /** Its parent is gone: it was re-parented to init (or to nothing this JVM can see). */
    private static boolean orphaned(long pid) {
        return ProcessHandle.of(pid)
                .map(h -> h.parent().map(parent -> parent.pid() == 1).orElse(true))
                .orElse(false);
    }

    private static List<String> leftIn(Path project, Set<Long> mine) throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> !mine.contains(Long.parseLong(p.getFileName().toString())))
                    .filter(p -> orphaned(Long.parseLong(p.getFileName().toString())))
                    .filter(p -> {
                        try {
                            return Files.readSymbolicLink(p.resolve("cwd")).equals(project);
                        } catch (IOException | SecurityException e) {
                            return false; // gone, or not ours to read
                        }
                    })
                    .map(p -> ProcessHandle.of(Long.parseLong(p.getFileName().toString()))
                            .flatMap(h -> h.info().commandLine())
                            .orElse(p.getFileName().toString()))
                    .toList();
        }
    }
}
