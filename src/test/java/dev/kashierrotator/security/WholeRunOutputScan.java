package dev.kashierrotator.security;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The detector over everything the whole build captured: the test log of every application the unit
 * tests started (all profiles append to one file), the console output of every test class (surefire
 * and failsafe reports, where each application's console log lands too), the logs of the service
 * processes the integration tests ran, and the API fuzzing run's output. Runs last, in its own
 * failsafe execution in the verify phase.
 * Any string shaped like a Kashier key fails the build, named by file and line, never printed.
 */
class WholeRunOutputScan {

    /**
     * A secret key (32 hex, '$', 96 hex) or a bare UUID (a payment API key). Written out on purpose apart
     * from {@code KeyMaskingFilter}'s pattern: the detector must not share a mistake with what it checks.
     */
    static final Pattern KEY_SHAPED = Pattern.compile("[0-9a-fA-F]{32}\\$[0-9a-fA-F]{96}"
            + "|(?<![0-9A-Za-z_-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
            + "(?![0-9A-Za-z_-])");

    /** Where in the text something key-shaped appears, as "line N" entries. */
    static List<String> findings(String text) {
        List<String> lines = new ArrayList<>();
        String[] all = text.split("\n", -1);
        for (int i = 0; i < all.length; i++) {
            Matcher m = KEY_SHAPED.matcher(all[i]);
            if (m.find()) {
                lines.add("line " + (i + 1) + " (" + (m.group().contains("$") ? "secret-key" : "payment-key")
                        + " shape)");
            }
        }
        return lines;
    }

    @Test
    void noKeyShapedStringInAnythingTheBuildCaptured() throws IOException {
        Path target = Path.of("target");
        List<Path> files = new ArrayList<>();
        files.add(target.resolve("quarkus-test.log"));
        // The API fuzzing run: the service's log and what Schemathesis printed (it quotes responses).
        files.add(target.resolve("fuzz").resolve("service.log"));
        files.add(target.resolve("fuzz").resolve("schemathesis.txt"));
        files.add(target.resolve("fuzz-it.txt"));
        // The service run from the container image.
        files.add(target.resolve("image-it").resolve("service.log"));
        // The integration tests' early lane: its Maven's output (scripts/early-lane.sh).
        files.add(target.resolve("early-lane.log"));
        try (Stream<Path> s = Files.list(target)) {
            s.filter(p -> p.getFileName().toString().matches("it-.*\\.log")).forEach(files::add);
        }
        for (String reports : List.of("surefire-reports", "failsafe-reports")) {
            Path dir = target.resolve(reports);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.walk(dir)) {
                    s.filter(Files::isRegularFile)
                            .filter(p -> !p.getFileName().toString().contains("WholeRunOutputScan"))
                            .forEach(files::add);
                }
            }
        }
        long bytes = 0;
        int consoleCaptures = 0;
        List<String> leaks = new ArrayList<>();
        for (Path f : files) {
            if (!Files.exists(f)) {
                continue;
            }
            String text = Files.readString(f, StandardCharsets.UTF_8);
            bytes += text.length();
            if (f.getFileName().toString().endsWith("-output.txt")) {
                consoleCaptures++;
            }
            findings(text).forEach(where -> leaks.add(f + " " + where));
        }
        System.out.printf(
                "scanned %d files, %d console captures, %.1f MB%n", files.size(), consoleCaptures, bytes / 1e6);
        assertTrue(
                Files.readString(target.resolve("quarkus-test.log")).contains("step ROLLOUT done"),
                "the test log holds rotations (did the unit tests run?)");
        assertTrue(consoleCaptures >= 10, "test console output is captured per class (redirectTestOutputToFile)");
        if (!leaks.isEmpty()) {
            fail(leaks.size() + " key-shaped string(s) in the build's output:\n" + String.join("\n", leaks));
        }
    }
}
