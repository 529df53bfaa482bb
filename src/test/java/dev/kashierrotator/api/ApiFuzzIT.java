package dev.kashierrotator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Schemathesis, driven by the service's own OpenAPI document, against the packaged service: generated
 * valid and invalid requests to every operation must never get a 5xx. A small run here on every build;
 * {@code scripts/fuzz-api.sh 500} is the big one (figures in the README).
 */
class ApiFuzzIT {

    @Test
    void generatedRequestsNeverGetA5xx() throws Exception {
        Path out = Path.of("target", "fuzz-it.txt");
        Process p = new ProcessBuilder("bash", "scripts/fuzz-api.sh", "25")
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "fuzzing finished within 10 minutes");
        String text = Files.readString(out, StandardCharsets.UTF_8);
        Matcher answers =
                Pattern.compile("service-side /api answers: (\\d+) \\{(.*)}").matcher(text);
        assertTrue(answers.find(), "the run reports what the service answered; see " + out);
        assertTrue(Integer.parseInt(answers.group(1)) >= 100, "a real run: " + answers.group());
        assertTrue(!answers.group(2).contains("5xx"), "no 5xx: " + answers.group());
        assertEquals(0, p.exitValue(), "schemathesis found no failure; see " + out);
    }
}
