package dev.kashierrotator.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.rotation.Notice;
import dev.kashierrotator.testing.NotificationReceivers;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every event in each format, checked by the same rules the local receivers apply: what PagerDuty is asked
 * to do with each, its severity, and Slack's limits with instructions far longer than they allow.
 */
@Tag("fast")
class PayloadsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Payloads PAYLOADS = new Payloads(JSON, Optional.of("https://kkr.payments.example/"));

    @Test
    void eachEventTriggersOrResolvesWithTheRightSeverity() throws Exception {
        record Expect(String event, String mode, String action, String severity) {}
        for (Expect x : List.of(
                new Expect("person-needed", "live", "trigger", "critical"),
                new Expect("person-needed", "test", "trigger", "warning"),
                new Expect("failed", "live", "trigger", "error"),
                new Expect("rolled-back", "live", "trigger", "error"),
                new Expect("key-overdue", "live", "trigger", "critical"),
                new Expect("completed", "live", "resolve", null),
                new Expect("aborted", "live", "resolve", null))) {
            Notice n = notice(x.event(), x.mode(), "rot-20261129T030000000Z-abc123", "short");
            JsonNode body =
                    JSON.readTree(JSON.writeValueAsString(PAYLOADS.pagerDuty(n, NotificationReceivers.ROUTING_KEY)));
            assertEquals(List.of(), NotificationReceivers.pagerDutyProblems(body.toString(), body), x.toString());
            assertEquals(x.action(), body.path("event_action").asText(), x.toString());
            assertEquals(
                    "rot-20261129T030000000Z-abc123", body.path("dedup_key").asText());
            if (x.severity() != null) {
                assertEquals(x.severity(), body.at("/payload/severity").asText(), x.toString());
            }
        }
        JsonNode paused = JSON.readTree(JSON.writeValueAsString(PAYLOADS.pagerDuty(
                notice("schedule-paused", null, null, "freeze"), NotificationReceivers.ROUTING_KEY)));
        assertEquals("schedule-pause", paused.path("dedup_key").asText());
        assertEquals("info", paused.at("/payload/severity").asText());
    }

    @Test
    void slackMessagesStayWithinSlacksLimitsWhateverTheInstructions() throws Exception {
        String longInstructions = "Do <this> & that. ".repeat(400);
        Notice n = notice("person-needed", "live", "rot-20261129T030000000Z-abc123", longInstructions);
        JsonNode body = JSON.readTree(JSON.writeValueAsString(PAYLOADS.slack(n)));
        assertEquals(List.of(), NotificationReceivers.slackProblems(body.toString(), body), body.toString());
        assertTrue(body.toString().contains("&lt;this&gt; &amp; that"), "Slack's control characters escaped");
        assertTrue(body.toString()
                .contains("https://kkr.payments.example/console/#/rotations/rot-20261129T030000000Z-abc123"));
    }

    @Test
    void controlCharactersNeverReachAChannelRaw() throws Exception {
        String planted = "\u001b[8mhidden\u001b[0m\r\u009b2K\u202e";
        Notice n = new Notice(
                "schedule-paused",
                "p-1",
                Instant.parse("2026-11-29T03:00:00Z"),
                null,
                null,
                null,
                null,
                null,
                "Scheduled rotations paused by " + planted,
                "line one\nline two " + planted,
                "jwt name " + planted,
                Instant.parse("2026-11-29T07:00:00Z"));
        for (Object body : List.of(
                PAYLOADS.slack(n), PAYLOADS.pagerDuty(n, NotificationReceivers.ROUTING_KEY), PAYLOADS.webhook(n))) {
            String text = JSON.readTree(JSON.writeValueAsString(body)).toString();
            JsonNode parsed = JSON.readTree(text);
            String all = parsed.toString();
            // Decoded, the strings hold no control character but the kept line break.
            java.util.List<String> values = new java.util.ArrayList<>();
            parsed.findValues("text").forEach(v -> values.add(v.asText()));
            values.add(parsed.path("summary").asText());
            values.add(parsed.at("/payload/summary").asText());
            values.add(parsed.at("/payload/custom_details/by").asText());
            values.add(parsed.path("instructions").asText());
            for (String v : values) {
                assertTrue(
                        v.codePoints().allMatch(c -> c == '\n' || dev.kashierrotator.util.Printable.shown(c)),
                        "a control character in " + v + " of " + all);
            }
            assertTrue(all.contains("hidden"), "the text itself is kept: " + all);
        }
    }

    private static Notice notice(String event, String mode, String rotationId, String instructions) {
        return new Notice(
                event,
                event + "-1",
                Instant.parse("2026-11-29T03:00:00Z"),
                rotationId,
                mode == null ? null : "main-" + mode + "-payment",
                mode == null ? null : "MID-1234-567",
                mode,
                rotationId == null ? null : "ISSUE_NEW_KEY",
                "Something happened to " + (rotationId == null ? "the schedule" : rotationId),
                instructions,
                mode == null ? "oncall-user" : null,
                mode == null ? Instant.parse("2026-11-29T07:00:00Z") : null);
    }
}
