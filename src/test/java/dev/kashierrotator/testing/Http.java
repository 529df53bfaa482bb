package dev.kashierrotator.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Waiting for a process's HTTP endpoint to answer 200, polled with a deadline. */
final class Http {

    private Http() {}

    /**
     * Polls {@code url} every 20 ms (fine enough to time a start-up) until it answers 200. Kills the process
     * and fails when it exits or the limit passes, with what the endpoint last answered and the end of the
     * process's log in the message: a CI run keeps the build's output, not the log file.
     */
    static void awaitOk(String url, Process process, Duration limit, String what, String log) {
        HttpClient http = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plus(limit);
        String last = "no answer (not listening)";
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        what + " exited with " + process.exitValue() + "; see " + log + tail(log));
            }
            try {
                HttpResponse<String> answer = http.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() == 200) {
                    return;
                }
                last = "HTTP " + answer.statusCode() + " " + answer.body();
            } catch (IOException e) {
                last = "no answer (" + e.getClass().getSimpleName() + ")";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException(what + " did not answer 200 within " + limit.toSeconds() + " s; last: " + last
                + "; see " + log + tail(log));
    }

    /** The last lines of a log, for a failure's message. */
    private static String tail(String log) {
        try {
            List<String> lines = Files.readAllLines(Path.of(log));
            return "; its last lines:\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
