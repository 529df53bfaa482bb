package dev.kashierrotator.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference webhook receivers of docs/verifiers (Java, Python, Node), each run as its own process on
 * a free loopback port, as a team would run its copy: the tests use them as real dependents.
 */
public final class ReferenceReceivers {

    /** One running receiver. */
    public record Receiver(String language, int port, String secret, long pid) {
        public String url() {
            return "http://127.0.0.1:" + port + "/rotation";
        }

        public String verifyUrl() {
            return url() + "/fingerprints";
        }
    }

    private static Map<String, Receiver> running;

    private ReferenceReceivers() {}

    /**
     * The three receivers, started on first use; they live as long as the test JVM, shared by every test world
     * (found again through {@link SharedProcesses} when a profile's classes are loaded anew).
     */
    public static synchronized Map<String, Receiver> get() {
        if (running == null) {
            running = SharedProcesses.note(NOTE)
                    .flatMap(ReferenceReceivers::alive)
                    .orElse(null);
        }
        if (running == null) {
            Map<String, Receiver> started = new LinkedHashMap<>();
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            started.put("java", start("java", List.of(java, "docs/verifiers/java/RotatorWebhook.java")));
            started.put(
                    "python", start("python", List.of("python3", "docs/verifiers/python/kashier_rotator_webhook.py")));
            started.put("node", start("node", List.of("node", "docs/verifiers/node/kashier-rotator-webhook.js")));
            running = started;
            StringBuilder note = new StringBuilder();
            started.values()
                    .forEach(r -> note.append(note.length() == 0 ? "" : ",")
                            .append(r.language())
                            .append(':')
                            .append(r.port())
                            .append(':')
                            .append(r.pid()));
            SharedProcesses.note(NOTE, note.toString());
        }
        return running;
    }

    private static final String NOTE = "reference-receivers";

    /** The receivers a previous world left in the note, when every one of them is still running. */
    private static java.util.Optional<Map<String, Receiver>> alive(String note) {
        Map<String, Receiver> found = new LinkedHashMap<>();
        for (String entry : note.split(",")) {
            String[] parts = entry.split(":");
            long pid = Long.parseLong(parts[2]);
            if (!SharedProcesses.alive(pid)) {
                return java.util.Optional.empty();
            }
            found.put(parts[0], new Receiver(parts[0], Integer.parseInt(parts[1]), secret(parts[0]), pid));
        }
        return java.util.Optional.of(found);
    }

    /** The signing secret each receiver is started with. */
    private static String secret(String language) {
        return "reference-" + language + "-secret";
    }

    private static Receiver start(String language, List<String> command) {
        int port = OpenBao.freePort();
        String secret = secret(language);
        List<String> full = new java.util.ArrayList<>(command);
        full.addAll(List.of("--port", Integer.toString(port), "--secret", secret));
        File log = Path.of("target", "reference-" + language + ".log").toFile();
        try {
            Process p = new ProcessBuilder(full)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
                    .start();
            SharedProcesses.keep("reference-" + language, p);
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
            Receiver r = new Receiver(language, port, secret, p.pid());
            Http.awaitOk(
                    r.verifyUrl(),
                    p,
                    Duration.ofSeconds(60),
                    "the " + language + " reference receiver (" + String.join(" ", command) + ")",
                    log.getPath());
            return r;
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot start the " + language + " reference receiver with " + command.get(0)
                            + " (this machine needs java, python3 and node): " + e.getMessage(),
                    e);
        }
    }
}
