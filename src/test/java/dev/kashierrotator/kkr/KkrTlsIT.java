package dev.kashierrotator.kkr;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kashierrotator.kkr.KkrJar.Run;
import dev.kashierrotator.sim.DemoDependent;
import dev.kashierrotator.testing.Closing;
import dev.kashierrotator.testing.Cluster;
import dev.kashierrotator.testing.OpenBao;
import dev.kashierrotator.testing.SelfSignedTls;
import dev.kashierrotator.testing.ServiceProcess;
import dev.kashierrotator.testing.TestJwt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * kkr against the packaged service as production runs it: the API over TLS only with a certificate of a
 * private CA, tokens from an identity provider (JWT) beside the bootstrap token. A CA kkr was not given is
 * not trusted, an expired token is named as such, {@code kkr login} keeps what later commands need, the
 * schedule's pause goes through the jar, and on a terminal a wave's bar fills as its dependents confirm.
 * The Kashier simulator issues keys here, so rotations run without a person.
 */
class KkrTlsIT {

    private static final String KEY = "kkr-tls-pay";

    private static DemoDependent fast;
    private static DemoDependent slow;
    private static Cluster cluster;
    private static ServiceProcess service;
    private static SelfSignedTls tls;
    private static String https;

    @BeforeAll
    static void service() throws IOException {
        fast = DemoDependent.start("it-kkr-tls-fast", "fast-secret", 0);
        // Confirms its new key only some seconds after taking it: the wave's bar is half full meanwhile.
        slow = DemoDependent.start("it-kkr-tls-slow", "slow-secret", 0).confirmAfter(Duration.ofSeconds(6));
        tls = SelfSignedTls.create("kkr-tls");
        int sslPort = OpenBao.freePort();
        https = "https://127.0.0.1:" + sslPort;
        cluster = new Cluster("it-kkr-tls");
        cluster.paymentKey(KEY, "MID-7000-005", "1s")
                .webhook("kkr-fast", KEY, 0, fast, "fast-secret")
                .webhook("kkr-slow", KEY, 0, slow, "slow-secret")
                .set("rotator.security.https-only", "true")
                .set("quarkus.http.ssl-port", Integer.toString(sslPort))
                .set(
                        "quarkus.http.ssl.certificate.files",
                        tls.caPem.toAbsolutePath().toString())
                .set(
                        "quarkus.http.ssl.certificate.key-files",
                        tls.keyPem.toAbsolutePath().toString())
                .set("rotator.security.jwt.enabled", "true")
                .set("mp.jwt.verify.publickey.location", TestJwt.publicKeyFile().toString())
                .set("mp.jwt.verify.issuer", TestJwt.ISSUER)
                .set("mp.jwt.verify.audiences", TestJwt.AUDIENCE);
        service = cluster.replica("kkr-tls-replica");
    }

    @AfterAll
    static void stop() {
        Closing.all(service, cluster, fast, slow);
    }

    private static KkrJar kkr() {
        return new KkrJar(Map.of(
                "KKR_URL",
                https,
                "KKR_TOKEN",
                Cluster.TOKEN,
                "KKR_CA_FILE",
                tls.caPem.toAbsolutePath().toString(),
                "KKR_FORCE_STDIN",
                "1"));
    }

    @Test
    void aPrivateCaIsTrustedOnlyWhenKkrIsGivenIt() {
        Run trusted = kkr().run("whoami");
        assertEquals(0, trusted.exit(), trusted.err());

        Run unknown = kkr().without("KKR_CA_FILE").run("whoami");
        assertEquals(40, unknown.exit(), unknown.err());
        assertTrue(unknown.err().contains("certificate is not trusted"), unknown.err());
        assertTrue(unknown.err().contains("--ca-file"), "the fix is named: " + unknown.err());

        SelfSignedTls other = SelfSignedTls.create("kkr-other-ca");
        Run wrong = kkr().with("KKR_CA_FILE", other.caPem.toAbsolutePath().toString())
                .run("keys");
        assertEquals(40, wrong.exit(), wrong.err());
        assertTrue(wrong.err().contains("certificate is not trusted"), wrong.err());

        Run notPem = kkr().with("KKR_CA_FILE", tls.keyPem.toAbsolutePath().toString())
                .run("keys");
        assertEquals(2, notPem.exit(), notPem.err());
        assertTrue(notPem.err().contains("--ca-file"), notPem.err());
        assertFalse(notPem.err().contains("PRIVATE KEY"), "the file's content is not echoed: " + notPem.err());

        // The service's plain-http listener (probes) refuses the API and says why.
        Run plain = kkr().with("KKR_URL", service.url()).run("keys");
        assertEquals(30, plain.exit(), plain.err());
        assertTrue(plain.err().contains("https"), plain.err());

        for (Run r : List.of(unknown, wrong, notPem, plain)) {
            assertEquals(1, r.err().lines().count(), "one line: " + r.err());
            assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "no stack trace: " + r.err());
        }
    }

    @Test
    void anExpiredTokenIsNamedAsSuchAndAFreshOneWorks() {
        long now = System.currentTimeMillis() / 1000;
        String expired = TestJwt.sign(TestJwt.claims("0c1d-sub")
                .claim("preferred_username", "nadia")
                .claim("rotator_role", "oncall")
                .issuedAt(now - 7200)
                .expiresAt(now - 3600));
        Run late = kkr().with("KKR_TOKEN", expired).run("keys");
        assertEquals(31, late.exit(), late.err());
        assertTrue(late.err().startsWith("kkr: Unauthorized"), late.err());
        assertTrue(late.err().contains("the token expired at "), "the cause is named: " + late.err());
        assertTrue(late.err().contains("kkr login --url " + https), "and the fix: " + late.err());
        assertFalse(late.err().contains(expired), "the token is never printed");

        String forged = TestJwt.forge(TestJwt.claims("mallory").claim("rotator_role", "admin"));
        Run refused = kkr().with("KKR_TOKEN", forged).run("keys");
        assertEquals(31, refused.exit(), refused.err());
        assertFalse(refused.err().contains("expired"), "not expired, just not accepted: " + refused.err());

        String fresh = TestJwt.sign(
                TestJwt.claims("0c1d-sub").claim("preferred_username", "nadia").claim("rotator_role", "oncall"));
        Run ok = kkr().with("KKR_TOKEN", fresh).run("whoami", "--output", "json");
        assertEquals(0, ok.exit(), ok.err());
        assertEquals("jwt:0c1d-sub (nadia)", ok.json().path("subject").asText());
        assertEquals("oncall", ok.json().path("role").asText());
    }

    @Test
    void loginKeepsTheAddressTheCaAndTheTokenForLaterCommands() throws IOException {
        Path config = Files.createTempDirectory("kkr-login");
        String token = TestJwt.sign(
                TestJwt.claims("7f2e-sub").claim("preferred_username", "omar").claim("rotator_role", "operator"));
        KkrJar person = new KkrJar(Map.of("KKR_FORCE_STDIN", "1")).configuredIn(config);

        Run refused = person.input("not-a-token\n", "login", "--url", https, "--ca-file", tls.caPem.toString());
        assertEquals(31, refused.exit(), refused.err());
        assertFalse(Files.exists(config.resolve("kkr").resolve("token")), "nothing kept for a refused token");

        Run login = person.input(token + "\n", "login", "--url", https, "--ca-file", tls.caPem.toString());
        assertEquals(0, login.exit(), login.err());
        assertTrue(login.out().contains("signed in to " + https + " as jwt:7f2e-sub (omar) (operator)"), login.out());
        assertFalse(login.out().contains(token) || login.err().contains(token), "the token is never printed");
        Path kept = config.resolve("kkr").resolve("token");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(kept)));
        assertEquals(token, Files.readString(kept).strip());

        // No URL, CA or token given: all from the login, as an engineer types it the next time.
        Run who = person.run("whoami");
        assertEquals(0, who.exit(), who.err());
        assertTrue(who.out().startsWith("jwt:7f2e-sub (omar) (operator;"), who.out());
        Run keys = person.run("keys", "--output", "json");
        assertEquals(KEY, keys.json().get(0).path("id").asText());

        // Someone widened the kept file: refused until it is private again.
        Files.setPosixFilePermissions(kept, PosixFilePermissions.fromString("rw-r--r--"));
        Run open = person.run("whoami");
        assertEquals(2, open.exit());
        assertTrue(open.err().contains("chmod 600 " + kept), open.err());
    }

    @Test
    void theSchedulePausesAndResumesThroughTheJar() {
        Run pause = kkr().run("pause", "--reason", "Kashier maintenance window", "--for", "2h");
        assertEquals(0, pause.exit(), pause.err());
        assertTrue(pause.out().startsWith("scheduled rotations paused until "), pause.out());
        Run schedule = kkr().run("schedule", "--output", "json");
        assertEquals(0, schedule.exit(), schedule.err());
        assertTrue(schedule.json().path("paused").asBoolean(), schedule.out());
        assertEquals(
                "Kashier maintenance window", schedule.json().path("reason").asText(), schedule.out());

        Run tooLong = kkr().run("pause", "--reason", "forever", "--for", "400d");
        assertEquals(30, tooLong.exit(), tooLong.err());
        assertTrue(tooLong.err().contains("at most"), "says the limit: " + tooLong.err());
        Run noReason = kkr().run("pause", "--for", "1h");
        assertEquals(2, noReason.exit(), noReason.err());

        Run resume = kkr().run("resume", "--reason", "maintenance over");
        assertEquals(0, resume.exit(), resume.err());
        assertFalse(
                kkr().run("schedule", "--output", "json").json().path("paused").asBoolean());
    }

    @Test
    void onATerminalAWavesBarFillsAsItsDependentsConfirm() throws Exception {
        Path config = Files.createTempDirectory("kkr-config");
        String command =
                "env KKR_URL=" + https + " KKR_TOKEN=" + Cluster.TOKEN + " KKR_CA_FILE=" + tls.caPem.toAbsolutePath()
                        + " XDG_CONFIG_HOME=" + config + " " + KkrJar.java() + " -jar " + KkrJar.jar()
                        + " rotate " + KEY + " --reason 'bar test' --wait; echo EXIT=$?; sleep 60";
        // The slow dependent keeps its old key until the half-full bar has been seen, however slow this run.
        slow.holdConfirmations(true);
        try (Terminal terminal = Terminal.open("kkr-bar", command)) {
            String half = "wave 0 [##########..........] 1/2 confirmed";
            List<String> seen = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        String screen = terminal.screen();
                        seen.add(screen);
                        return screen.contains(half) || screen.contains("EXIT=");
                    });
            assertTrue(
                    seen.get(seen.size() - 1).contains(half),
                    "the half-full bar while the slow one catches up: " + seen.get(seen.size() - 1));
            slow.holdConfirmations(false);
            await().atMost(Duration.ofSeconds(60)).until(() -> terminal.screen().contains("EXIT="));
            String screen = terminal.screen();
            assertTrue(screen.contains("EXIT=0"), screen);
            assertTrue(screen.contains("wave 0 [####################] 2/2 confirmed"), "filled: " + screen);
            assertFalse(screen.contains("1/2 confirmed"), "the half bar was redrawn, not left above: " + screen);
        } finally {
            slow.holdConfirmations(false);
        }
        // Scripts find it among the completed rotations of the key.
        Run done = kkr().run("rotations", "--key", KEY, "--state", "COMPLETED", "--output", "json");
        assertEquals(0, done.exit(), done.err());
        assertTrue(done.json().size() >= 1, done.out());
        for (JsonNode r : done.json()) {
            assertEquals("COMPLETED", r.path("state").asText());
            assertEquals(KEY, r.path("keyId").asText());
        }
        Run table = kkr().run("rotations", "--state", "COMPLETED");
        assertTrue(table.out().startsWith("ID") && table.out().contains("bootstrap"), table.out());
        Run bad = kkr().run("rotations", "--state", "FINISHED");
        assertEquals(30, bad.exit(), bad.err());
        assertTrue(bad.err().contains("state"), "names the field: " + bad.err());
    }
}
