package dev.kashierrotator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The whole-run detector finds what it must and names the line, not the value. */
@Tag("fast")
class WholeRunOutputScanTest {

    @Test
    void findsBothKeyShapesByLine() {
        String secret = "0123456789abcdef".repeat(2) + "$" + "fedcba9876543210".repeat(6);
        String text = "first line\nkey=" + secret + "\npk-" + UUID.randomUUID() + " is an id\nhook got "
                + UUID.randomUUID() + "\n";
        assertEquals(
                List.of("line 2 (secret-key shape)", "line 4 (payment-key shape)"), WholeRunOutputScan.findings(text));
    }
}
