package dev.kashierrotator.kkr;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real terminal (a detached tmux session) running one shell command; read as a person sees it. */
final class Terminal implements AutoCloseable {

    private final String session;

    private Terminal(String session) {
        this.session = session;
    }

    /** Opens a 120x50 terminal running {@code command} in a shell. */
    static Terminal open(String name, String command) {
        String session = name + "-" + ProcessHandle.current().pid();
        tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "50", command);
        return new Terminal(session);
    }

    /** What the terminal shows, scrollback included, lines joined where they wrapped. */
    String screen() {
        return tmux("capture-pane", "-p", "-J", "-S", "-", "-t", session);
    }

    /** Types these keys (tmux key names such as {@code Enter} are pressed). */
    void type(String... keys) {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", session));
        args.addAll(List.of(keys));
        tmux(args.toArray(String[]::new));
    }

    @Override
    public void close() {
        tmux("kill-session", "-t", session);
    }

    private static String tmux(String... args) {
        List<String> command = new ArrayList<>(List.of("tmux"));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "tmux " + List.of(args) + ": " + said);
            return said;
        } catch (IOException e) {
            throw new AssertionError("tmux " + List.of(args), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
