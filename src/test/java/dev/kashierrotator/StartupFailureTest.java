package dev.kashierrotator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.config.ConfigurationProblem;
import dev.kashierrotator.config.ConfigurationProblems;
import dev.kashierrotator.config.InvalidConfiguration;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What a person reads when the service cannot start (the packaged service prints it: HttpsProdProfileIT). */
@Tag("fast")
class StartupFailureTest {

    /** As Quarkus hands it over: wrapped a few times over. */
    private static RuntimeException wrapped(Throwable cause) {
        return new RuntimeException("Failed to start quarkus", new IllegalStateException("boot", cause));
    }

    @Test
    void aMissingTlsFileNamesItsSettingAndTheFix() {
        StartupFailure key =
                StartupFailure.of(wrapped(new NoSuchFileException("/etc/kashier-key-rotator/tls/tls.key")));
        assertTrue(key.understood());
        assertEquals(
                "cannot start: ROTATOR_TLS_KEY_FILE (quarkus.http.ssl.certificate.key-files): no file at "
                        + "/etc/kashier-key-rotator/tls/tls.key; the API's TLS private key is read from there: mount the "
                        + "TLS Secret (chart value tls.secretName) or set ROTATOR_TLS_KEY_FILE to a PEM private key",
                key.message());
        StartupFailure cert =
                StartupFailure.of(wrapped(new NoSuchFileException("/etc/kashier-key-rotator/tls/tls.crt")));
        assertTrue(
                cert.message().startsWith("cannot start: ROTATOR_TLS_CERT_FILE (quarkus.http.ssl.certificate.files)"));
        assertEquals(1, cert.message().lines().count(), "one line");
    }

    @Test
    void theServicesOwnChecksAreToldAsTheyAre() {
        ConfigurationProblems found = new ConfigurationProblems();
        found.add("rotator.keys.a.mode", "must be test or live");
        found.add("rotator.keys.b.kind", "unknown");
        StartupFailure inventory =
                StartupFailure.of(wrapped(assertThrows(InvalidConfiguration.class, found::throwIfAny)));
        assertTrue(inventory.understood());
        assertEquals(3, inventory.message().lines().count(), "a heading and one line per problem");
        ConfigurationProblems one = new ConfigurationProblems();
        one.add("rotator.vault.ca-file (or VAULT_CACERT)", "'/nowhere/ca.pem' holds no readable PEM certificate");
        assertEquals(
                "cannot start: rotator.vault.ca-file (or VAULT_CACERT): '/nowhere/ca.pem' holds no readable PEM "
                        + "certificate",
                StartupFailure.of(wrapped(assertThrows(InvalidConfiguration.class, one::throwIfAny)))
                        .message(),
                "one problem, one line");
        // Known by its type, as the Vault client throws it, not by how its text begins.
        StartupFailure vault = StartupFailure.of(wrapped(
                new ConfigurationProblem("rotator.vault.address", "not set; set VAULT_ADDR or rotator.vault.address")));
        assertEquals(
                "cannot start: rotator.vault.address: not set; set VAULT_ADDR or rotator.vault.address",
                vault.message());
        assertEquals(
                "cannot start: ROTATOR_TLS_RELOAD_PERIOD (quarkus.http.ssl.certificate.reload-period): must be at least 30s",
                StartupFailure.of(
                                wrapped(
                                        new IllegalArgumentException(
                                                "Unable to configure TLS reloading - The reload period cannot be less than 30 seconds")))
                        .message());
    }

    @Test
    void anythingElseKeepsItsStackTraceMaskedOfKeys() {
        String key = "3f0f0a8b2c5d4e6f8a9b0c1d2e3f4a5b$" + "ab".repeat(48);
        StartupFailure bug = StartupFailure.of(wrapped(new UnsupportedOperationException("bad state near " + key)));
        assertFalse(bug.understood());
        assertTrue(bug.message().startsWith("cannot start: UnsupportedOperationException: bad state near "));
        assertFalse(bug.message().contains(key), bug.message());
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        bug.printTrace(new PrintStream(trace, true, StandardCharsets.UTF_8));
        String text = trace.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("\tat "), "the trace, for a bug report");
        assertFalse(text.contains(key), "masked");
    }
}
