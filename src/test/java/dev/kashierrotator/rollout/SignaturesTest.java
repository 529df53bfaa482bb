package dev.kashierrotator.rollout;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The reference verifier of webhook signatures refuses a captured delivery replayed later (finding 16). */
@Tag("fast")
class SignaturesTest {

    private static final byte[] BODY = "{\"event\":\"key.rotated\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void aFreshSignatureVerifies() {
        Instant now = Instant.parse("2026-11-29T03:00:00Z");
        String header = Signatures.header("s3cret", Long.toString(now.getEpochSecond()), BODY);
        assertTrue(Signatures.verify("s3cret", header, BODY, now));
        assertTrue(Signatures.verify("s3cret", header, BODY, now.plus(Signatures.TOLERANCE)), "at the edge");
    }

    @Test
    void aReplayedOrForgedDeliveryIsRefused() {
        Instant signed = Instant.parse("2026-11-29T03:00:00Z");
        String header = Signatures.header("s3cret", Long.toString(signed.getEpochSecond()), BODY);
        assertFalse(
                Signatures.verify(
                        "s3cret",
                        header,
                        BODY,
                        signed.plus(Signatures.TOLERANCE).plusSeconds(1)),
                "replayed past the tolerance");
        assertFalse(
                Signatures.verify(
                        "s3cret",
                        header,
                        BODY,
                        signed.minus(Signatures.TOLERANCE).minusSeconds(1)),
                "from the future");
        assertFalse(Signatures.verify("other", header, BODY, signed), "another secret");
        assertFalse(Signatures.verify("s3cret", header.replace("t=", "t=x"), BODY, signed), "no number");
        assertFalse(Signatures.verify("s3cret", header, "{}".getBytes(StandardCharsets.UTF_8), signed), "another body");
    }
}
