package dev.kashierrotator.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVM settings the Helm chart runs the service with (its {@code jvmOptions} and memory limit), so a
 * benchmark measures the service as the chart runs it: the limit becomes {@code -XX:MaxRAM}, which is
 * what the JVM would see as the container's memory.
 */
public final class ChartJvm {

    private static final Path VALUES = Path.of("helm", "kashier-key-rotator", "values.yaml");

    private ChartJvm() {}

    /** The chart's {@code jvmOptions}, as given to the JVM in the container. */
    public static List<String> options() {
        Matcher options = Pattern.compile("(?m)^jvmOptions:\\s*\"([^\"]*)\"").matcher(values());
        if (!options.find()) {
            throw new IllegalStateException(VALUES + " has no jvmOptions");
        }
        return Arrays.asList(options.group(1).trim().split("\\s+"));
    }

    /**
     * The chart's options plus its memory limit as {@code -XX:MaxRAM}: the JVM as it runs in the pod, with the
     * image's {@code /deployments} being {@code target/quarkus-app} here.
     */
    public static List<String> asInThePod() {
        return asInThePod(Path.of("target", "quarkus-app"));
    }

    /** The same, for the packaged service in {@code app} (the image's {@code /deployments}). */
    public static List<String> asInThePod(Path app) {
        Matcher limit =
                Pattern.compile("(?m)^  limits:\\s*\\n\\s+memory:\\s*(\\d+)Mi").matcher(values());
        if (!limit.find()) {
            throw new IllegalStateException(VALUES + " has no resources.limits.memory in Mi");
        }
        List<String> jvm = new ArrayList<>(options().stream()
                .map(o -> o.replace("/deployments/", app.toAbsolutePath() + "/"))
                .toList());
        jvm.add("-XX:MaxRAM=" + limit.group(1) + "m");
        return jvm;
    }

    private static String values() {
        try {
            return Files.readString(VALUES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
