package dev.kashierrotator.kkr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code target/kkr.jar}, run as its own process the way a person or a script runs it: with these
 * environment variables only (none of the machine's {@code KKR_*}), and a configuration folder of its own
 * (a fresh one per run unless given, so no {@code kkr login} of the machine's user is read).
 */
final class KkrJar {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> env;
    private final Path config;

    /** What one run of kkr did. */
    record Run(int exit, String out, String err) {
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + out, e);
            }
        }
    }

    KkrJar(Map<String, String> env) {
        this(env, null);
    }

    private KkrJar(Map<String, String> env, Path config) {
        this.env = Map.copyOf(env);
        this.config = config;
    }

    /** The same, with one more (or another) environment variable. */
    KkrJar with(String name, String value) {
        Map<String, String> e = new HashMap<>(env);
        e.put(name, value);
        return new KkrJar(e, config);
    }

    /** The same, without this environment variable. */
    KkrJar without(String name) {
        Map<String, String> e = new HashMap<>(env);
        e.remove(name);
        return new KkrJar(e, config);
    }

    /** The same, keeping its configuration (kkr login's) in this folder across runs. */
    KkrJar configuredIn(Path folder) {
        return new KkrJar(env, folder);
    }

    Run run(String... args) {
        return input(null, args);
    }

    /** Runs kkr with this text on its standard input (then closed), and waits for it to end. */
    Run input(String stdin, String... args) {
        try {
            Process p = start(args);
            try (Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
                if (stdin != null) {
                    w.write(stdin);
                }
            }
            Drained err = drain(p.getErrorStream());
            Drained out = drain(p.getInputStream());
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("kkr " + List.of(args) + " did not end");
            }
            return new Run(p.exitValue(), out.all(), err.all());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Starts kkr and leaves its standard streams to the caller. */
    Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(java().toString(), "-jar", jar().toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("KKR_"));
        pb.environment().putAll(env);
        pb.environment()
                .put("XDG_CONFIG_HOME", (config != null ? config : Files.createTempDirectory("kkr-config")).toString());
        return pb.start();
    }

    static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    static Path jar() {
        return Path.of("target", "kkr.jar").toAbsolutePath();
    }

    /** A stream read on its own thread into a list the test reads as it grows. */
    record Drained(List<String> lines, Thread reader) {
        /** Everything, once the stream ended. */
        String all() throws InterruptedException {
            reader.join(10_000);
            return String.join("\n", lines);
        }
    }

    static Drained drain(InputStream s) {
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(s, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // The process ended.
            }
        });
        t.setDaemon(true);
        t.start();
        return new Drained(lines, t);
    }
}
