package dev.kashierrotator.kkr;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.kkr.KkrJar.Run;
import dev.kashierrotator.rotation.Fingerprints;
import dev.kashierrotator.sim.DemoDependent;
import dev.kashierrotator.testing.Closing;
import dev.kashierrotator.testing.Cluster;
import dev.kashierrotator.testing.OpenBao;
import dev.kashierrotator.testing.ServiceProcess;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real {@code target/kkr.jar}, run as a person or a script runs it, against the packaged service in
 * manual mode (production's) with real OpenBao and a webhook dependent: every command, exit codes a script
 * branches on, {@code --wait} through both dashboard steps answered on standard input, the refusal of a key
 * on the command line, and errors as one line (never a stack trace, never a key).
 */
class KkrIT {

    private static final String MID = "MID-7000-004";
    private static final String KEY = "kkr-pay";

    private static DemoDependent app;
    private static Cluster cluster;
    private static ServiceProcess service;

    @BeforeAll
    static void service() throws IOException {
        app = DemoDependent.start("it-kkr-app", "kkr-secret", 0);
        cluster = new Cluster("it-kkr");
        cluster.paymentKey(KEY, MID, "1s")
                .webhook("kkr-app", KEY, 0, app, "kkr-secret")
                .set("rotator.kashier.dashboard", "manual");
        // The operator's first key, made in the dashboard and put in Vault by hand, as in production.
        Map<String, Object> seed = given().contentType("application/json")
                .body(Map.of("mid", MID))
                .post(cluster.kashierUrl() + "/test/dashboard/payment-keys")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath()
                .getMap("$");
        String seeded = (String) seed.get("key");
        cluster.bao()
                .api(
                        "POST",
                        "secret/data/it-kkr/keys/" + KEY,
                        "{\"data\": {\"key\": \"" + seeded + "\", \"fingerprint\": \"" + Fingerprints.of(seeded)
                                + "\", \"kashierKeyId\": \"" + seed.get("id") + "\", \"rotatedAt\": \""
                                + Instant.now() + "\"}}");
        app.use(KEY, seeded);
        service = cluster.replica("kkr-replica");
    }

    @AfterAll
    static void stop() {
        Closing.all(service, cluster, app);
    }

    @Test
    void listsKeysAndTellsWhoIsCallingAsTextAndJson() {
        Run keys = kkr("keys");
        assertEquals(0, keys.exit(), keys.err());
        assertTrue(keys.out().startsWith("ID"), keys.out());
        assertTrue(keys.out().contains(KEY) && keys.out().contains("payment-api-key"), keys.out());
        Run json = kkr("keys", "--output", "json");
        assertEquals(KEY, json.json().get(0).path("id").asText());
        assertEquals(16, json.json().get(0).path("fingerprint").asText().length());
        Run who = kkr("whoami");
        assertTrue(who.out().startsWith("bootstrap (admin;"), who.out());
        Run key = kkr("key", KEY, "--output", "json");
        assertEquals(MID, key.json().path("mid").asText());
        Run plan = kkr("rotate", KEY, "--reason", "what would happen?", "--dry-run");
        assertEquals(0, plan.exit(), plan.err());
        assertTrue(plan.out().contains("wave 0: kkr-app"), plan.out());
        assertEquals(0, kkr("audit", "verify").exit());
        assertTrue(kkr("completion", "bash").out().contains("complete -F _kkr kkr"));
    }

    @Test
    void waitFollowsARotationThroughBothDashboardStepsAnsweredOnStandardInput() throws Exception {
        Process p = kkr().start("rotate", KEY, "--reason", "monthly rotation", "--wait");
        List<String> err = KkrJar.drain(p.getErrorStream()).lines();
        List<String> out = KkrJar.drain(p.getInputStream()).lines();
        try (Writer stdin = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> String.join("\n", err).contains("ISSUE_NEW_KEY"));
            assertTrue(String.join("\n", err).contains("create a new payment API key"), String.join("\n", err));
            String made = given().contentType("application/json")
                    .body(Map.of("mid", MID))
                    .post(cluster.kashierUrl() + "/test/dashboard/payment-keys")
                    .then()
                    .statusCode(201)
                    .extract()
                    .path("key");
            stdin.write(made + "\n");
            stdin.flush();
            try {
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> String.join("\n", err).contains("EXPIRE_OLD_KEY"));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(
                        "no second question; kkr " + (p.isAlive() ? "still runs" : "ended " + p.exitValue())
                                + " and said:\n" + String.join("\n", out) + "\n" + String.join("\n", err),
                        e);
            }
            String ask = String.join("\n", err);
            String old = ask.replaceAll("(?s).*delete the payment API key with fingerprint (\\w+).*", "$1");
            given().delete(cluster.kashierUrl() + "/test/dashboard/payment-keys/" + old + "?mid=" + MID)
                    .then()
                    .statusCode(204);
            // Without a terminal only the word says the dashboard step was done (an empty line would not).
            stdin.write("done\n");
            stdin.flush();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kkr ends with the rotation");
            assertEquals(0, p.exitValue(), String.join("\n", err));
            assertTrue(String.join("\n", out).contains("COMPLETED"), String.join("\n", out));
            assertTrue(String.join("\n", out).contains("wave 0 DONE: 1/1 confirmed"), "plain progress lines: " + out);
            assertFalse((out + "\n" + err).contains(made), "the key is never printed");
            assertEquals(Fingerprints.of(made), app.fingerprint(KEY).orElseThrow());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void onATerminalTheViewIsRedrawnInPlaceAndTheKeyIsTypedAtAHiddenPrompt() throws Exception {
        Path config = Files.createTempDirectory("kkr-config");
        String command = "env KKR_URL=" + service.url() + " KKR_TOKEN=" + Cluster.TOKEN + " XDG_CONFIG_HOME=" + config
                + " " + KkrJar.java() + " -jar " + KkrJar.jar()
                + " rotate " + KEY + " --reason 'from a terminal' --wait; echo EXIT=$?; sleep 60";
        try (Terminal terminal = Terminal.open("kkr-it", command)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> terminal.screen().contains("Paste the new key here"));
            assertTrue(terminal.screen().contains("[>] ISSUE_NEW_KEY"), "the live view: " + terminal.screen());
            String made = given().contentType("application/json")
                    .body(Map.of("mid", MID))
                    .post(cluster.kashierUrl() + "/test/dashboard/payment-keys")
                    .then()
                    .statusCode(201)
                    .extract()
                    .path("key");
            terminal.type(made, "Enter");
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> terminal.screen().contains("Press Enter once it is done in the dashboard"));
            assertFalse(terminal.screen().contains(made), "typed at a hidden prompt: never on the screen");
            String old =
                    terminal.screen().replaceAll("(?s).*delete the payment API key with fingerprint (\\w+).*", "$1");
            given().delete(cluster.kashierUrl() + "/test/dashboard/payment-keys/" + old + "?mid=" + MID)
                    .then()
                    .statusCode(204);
            terminal.type("Enter");
            await().atMost(Duration.ofSeconds(60)).until(() -> terminal.screen().contains("EXIT="));
            String screen = terminal.screen();
            assertTrue(screen.contains("EXIT=0"), screen);
            assertTrue(screen.contains("[x] EXPIRE_OLD_KEY"), screen);
            assertTrue(screen.contains("wave 0 [####################] 1/1 confirmed"), "a full bar: " + screen);
            long views = screen.lines().filter(l -> l.contains("PROMOTE")).count();
            assertTrue(views <= 3, "redrawn in place, not printed again at each change: " + views + "\n" + screen);
            assertFalse(screen.contains(made));
        }
    }

    @Test
    void exitCodesTellAScriptWhatHappened() {
        Run started = kkr("rotate", KEY, "--reason", "to be aborted");
        assertEquals(0, started.exit(), started.err());
        String id = started.out().strip();
        await().atMost(Duration.ofSeconds(30)).until(() -> kkr("status", id).exit() == 20);
        Run status = kkr("status", id);
        assertTrue(status.out().contains("create a new payment API key"), "the instructions: " + status.out());
        Run waiting = kkr().input("", "status", id, "--watch");
        assertEquals(20, waiting.exit(), "no answer on standard input: waiting for a person; " + waiting.err());
        assertTrue(waiting.err().contains("kkr confirm " + id), waiting.err());
        // A person pastes something that is not a key: told why once, and that the rotation still waits.
        String why = "does not look like a Kashier payment API key";
        Run pasted = kkr().input("abc123-not-a-key\n", "confirm", id);
        assertEquals(30, pasted.exit(), pasted.err());
        assertEquals(2, pasted.err().split(java.util.regex.Pattern.quote(why), -1).length, "once: " + pasted.err());
        assertTrue(pasted.err().contains("the rotation still waits: try again with kkr confirm " + id), pasted.err());
        Run watched = kkr().input("abc123-not-a-key\n", "status", id, "--watch");
        assertEquals(20, watched.exit(), "refused, asked again, then left waiting: " + watched.err());
        assertTrue(watched.err().contains("Not taken: "), watched.err());
        assertTrue(watched.err().contains("The rotation still waits for you."), watched.err());
        Run abort = kkr("abort", id, "--reason", "wrong key picked");
        assertEquals(0, abort.exit(), abort.err());
        Run ended = kkr("status", id, "--watch");
        assertEquals(12, ended.exit(), "aborted: " + ended.out() + ended.err());
        Run again = kkr("abort", id, "--reason", "twice");
        assertEquals(30, again.exit(), "refused");
        assertTrue(again.err().startsWith("kkr: "), again.err());
        assertEquals(2, kkr("rotate", KEY).exit(), "a reason is required");
        assertEquals(2, kkr("rotate", KEY, "--reason", "x", "--frobnicate").exit(), "unknown option");
    }

    @Test
    void aKeyOnTheCommandLineIsRefusedWithWhy() {
        String key = "123e4567-e89b-12d3-a456-426614174000";
        Run r = kkr("confirm", "rot-20261129T000000000Z-000000", key);
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("keys never go on the command line"), r.err());
        assertFalse(r.err().contains(key) || r.out().contains(key), "not even echoed");
    }

    @Test
    void badConnectionsAndTokensEndInOneLineAndTheirOwnExitCode() throws IOException {
        Run wrong = kkr().with("KKR_TOKEN", "not-a-token").run("keys");
        assertEquals(31, wrong.exit(), wrong.err());
        assertTrue(wrong.err().startsWith("kkr: Unauthorized"), wrong.err());

        Run down =
                kkr().with("KKR_URL", "http://127.0.0.1:" + OpenBao.freePort()).run("keys");
        assertEquals(40, down.exit(), down.err());
        assertTrue(down.err().startsWith("kkr: cannot reach"), down.err());

        Run plain = kkr().with("KKR_URL", "http://kkr.payments.example").run("keys");
        assertEquals(2, plain.exit());
        assertTrue(plain.err().contains("use https"), plain.err());

        Path file = Files.createTempFile("kkr-token", "");
        Files.writeString(file, Cluster.TOKEN);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        KkrJar fromFile = kkr().without("KKR_TOKEN").with("KKR_TOKEN_FILE", file.toString());
        Run open = fromFile.run("keys");
        assertEquals(2, open.exit());
        assertTrue(open.err().contains("chmod 600"), open.err());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertEquals(0, fromFile.run("keys").exit());
        for (Run r : List.of(wrong, down, plain, open)) {
            assertEquals(1, r.err().lines().count(), "one line: " + r.err());
            assertFalse(r.err().contains("\tat ") || r.err().contains("Exception in"), "no stack trace: " + r.err());
        }
    }

    private static KkrJar kkr() {
        return new KkrJar(Map.of("KKR_URL", service.url(), "KKR_TOKEN", Cluster.TOKEN, "KKR_FORCE_STDIN", "1"));
    }

    private static Run kkr(String... args) {
        return kkr().run(args);
    }
}
