package dev.kashierrotator.kkr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * kkr run in-process against a hostile stand-in of the service (a JDK HTTP server on loopback): whatever
 * the service answers is printed as text, never as terminal control; plain http goes to loopback addresses
 * only, not to host names that start with {@code 127.}; a token saved by {@code kkr login} is never sent to
 * another address; a secret key in upper case on the command line is refused like one in lower case.
 */
@Tag("fast")
class KkrSafetyTest {

    /** What an attacker plants: SGR 8 (conceal), cursor up and erase line, a C1 CSI, a carriage return. */
    private static final String PLANTED = "\u001b[8m\u001b[1A\u001b[2K\u009b31m\rall good\u202e";

    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    KkrSafetyTest() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/v1/", e -> {
            authorizations.add(String.valueOf(e.getRequestHeaders().getFirst("Authorization")));
            String body = switch (e.getRequestURI().getPath()) {
                case "/api/v1/audit" ->
                    "[{\"seq\":7,\"time\":\"2026-12-04T03:00:00Z\",\"actor\":\"anonymous"
                            + json(PLANTED)
                            + "\",\"action\":\"auth.rejected\",\"outcome\":\"denied\",\"detail\":\"GET /api/v1/"
                            + json(PLANTED) + "\"}]";
                case "/api/v1/schedule" ->
                    "{\"paused\":true,\"reason\":\"tester pause " + json(PLANTED)
                            + "\",\"by\":\"tester\",\"overdueKeys\":[],\"stoppedKeys\":{\"k" + json(PLANTED)
                            + "\":\"why " + json(PLANTED) + "\"}}";
                default ->
                    "{\"type\":\"about:blank\",\"title\":\"Conflict" + json(PLANTED) + "\",\"status\":409,"
                            + "\"detail\":\"refused " + json(PLANTED) + "\"}";
            };
            int status = e.getRequestURI().getPath().startsWith("/api/v1/keys") ? 409 : 200;
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            e.getResponseHeaders().add("Content-Type", "application/json");
            e.sendResponseHeaders(status, bytes.length);
            e.getResponseBody().write(bytes);
            e.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void textTheServiceHoldsIsPrintedAsTextNeverAsTerminalControl() {
        for (List<String> command :
                List.of(List.of("audit"), List.of("schedule"), List.of("rotate", "k1", "--reason", "x"))) {
            Result r = kkr(env(url()), command.toArray(String[]::new));
            String all = r.out() + r.err();
            assertTrue(all.contains("all good"), command + " printed what the service said: " + all);
            all.codePoints()
                    .filter(c -> c != '\n')
                    .forEach(c -> assertTrue(
                            c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0) && c != 0x202e,
                            command + " printed control character U+" + Integer.toHexString(c) + ": " + all));
        }
    }

    @Test
    void plainHttpGoesToLoopbackAddressesOnlyNotToNamesThatStartWith127() {
        for (String url :
                List.of("http://127.attacker.example", "http://127.0.0.1.nip.io:8080", "http://kkr.example")) {
            Result r = kkr(env(url), "keys");
            assertEquals(2, r.exit(), url + ": " + r.err());
            assertTrue(r.err().contains("use https"), r.err());
        }
        assertEquals(0, kkr(env(url()), "audit").exit(), "127.0.0.1 is loopback");
        assertEquals(
                0,
                kkr(env("http://localhost:" + server.getAddress().getPort()), "audit")
                        .exit(),
                "so is localhost");
    }

    @Test
    void aTokenSavedByLoginIsNeverSentToAnotherAddress() throws IOException {
        Path home = Files.createTempDirectory("kkr-config");
        Path dir = Files.createDirectories(home.resolve("kkr"));
        Files.writeString(dir.resolve("url"), "https://kkr.payments.example\n");
        Path token = dir.resolve("token");
        Files.writeString(token, "saved-token");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        Map<String, String> env = Map.of("XDG_CONFIG_HOME", home.toString(), "KKR_URL", url());

        Result r = kkr(env, "audit");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("the saved token is for https://kkr.payments.example"), r.err());
        assertEquals(List.of(), authorizations, "nothing was sent to " + url());

        Files.writeString(dir.resolve("url"), url() + "/\n");
        assertEquals(0, kkr(env, "audit").exit(), "the address it signed in to");
        assertEquals(List.of("Bearer saved-token"), authorizations);
    }

    @Test
    void withoutXdgConfigHomeTheSavedTokenIsUnderHomeAsTheShellHasIt() throws IOException {
        Path home = Files.createTempDirectory("kkr-home");
        Path dir = Files.createDirectories(home.resolve(".config").resolve("kkr"));
        Files.writeString(dir.resolve("url"), url() + "\n");
        Path token = dir.resolve("token");
        Files.writeString(token, "home-token");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));

        Result r = kkr(Map.of("HOME", home.toString()), "audit");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of("Bearer home-token"), authorizations, "read from $HOME, not Java's user.home");
    }

    @Test
    void aSecretKeyOnTheCommandLineIsRefusedInEitherCase() {
        String upper = "ABCDEF0123456789ABCDEF0123456789$" + "0123456789ABCDEF".repeat(6);
        Result r = kkr(env(url()), "confirm", "rot-20261204T000000000Z-000000", upper);
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("keys never go on the command line"), r.err());
        assertFalse(r.out().contains(upper) || r.err().contains(upper), "not echoed");
        assertEquals(List.of(), authorizations, "refused before anything was sent");
    }

    private record Result(int exit, String out, String err) {}

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static Map<String, String> env(String url) {
        Map<String, String> env = new HashMap<>();
        env.put("KKR_URL", url);
        env.put("KKR_TOKEN", "t0ken");
        return env;
    }

    private static Result kkr(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new Kkr(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8),
                        env,
                        new BufferedReader(new StringReader("")))
                .run(args);
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The text as a JSON string's content (the service escapes control characters as \\uXXXX). */
    private static String json(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x202e) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }
}
