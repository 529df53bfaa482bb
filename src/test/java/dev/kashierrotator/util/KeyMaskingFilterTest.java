package dev.kashierrotator.util;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.logging.Log;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The log filter masks key-shaped strings whatever logged them: messages, their parameters and the
 * messages of attached exceptions. Planted through the service's own log configuration.
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class KeyMaskingFilterTest {

    private static String secretKeyShaped() {
        byte[] a = new byte[16];
        byte[] b = new byte[48];
        new SecureRandom().nextBytes(a);
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(a) + "$" + HexFormat.of().formatHex(b);
    }

    @Test
    void keysLoggedByMistakeReachTheLogMasked() throws Exception {
        String secret = secretKeyShaped();
        String payment = UUID.randomUUID().toString();
        String marker = "masking-probe-" + UUID.randomUUID().toString().substring(0, 8);
        Log.infof("%s: secret %s and payment key %s passed as parameters", marker, secret, payment);
        Log.warn(marker + ": concatenated " + secret);
        Log.error(
                marker + ": with a cause",
                new IllegalStateException("Kashier refused key " + payment, new RuntimeException("inner " + secret)));

        Path log = Path.of("target", "quarkus-test.log");
        String text = await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> Files.readString(log, StandardCharsets.UTF_8),
                        t -> t.contains(marker + ": with a cause") && t.contains("inner "));
        assertFalse(text.contains(secret), "secret key written to the log");
        assertFalse(text.contains(payment), "payment key written to the log");
        assertTrue(text.contains(marker + ": secret [masked-kashier-key] and payment key [masked-kashier-key]"));
        assertTrue(text.contains(marker + ": concatenated [masked-kashier-key]"));
        assertTrue(text.contains("java.lang.IllegalStateException: Kashier refused key [masked-kashier-key]"));
        assertTrue(text.contains("java.lang.RuntimeException: inner [masked-kashier-key]"));
    }

    @Test
    void idsThatContainAUuidAndOrdinaryTextAreLeftAlone() {
        String id = "pk-" + UUID.randomUUID();
        String text = "issued " + id + " for rot-20261129T124355Z-ed5d26 (fingerprint 3f2a9c81d0e4b7a6)";
        assertSame(text, KeyMaskingFilter.mask(text));
        assertEquals("key [masked-kashier-key].", KeyMaskingFilter.mask("key " + UUID.randomUUID() + "."));
    }
}
