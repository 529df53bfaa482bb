package dev.kashierrotator.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kashierrotator.rotation.Notice;
import dev.kashierrotator.util.Printable;
import java.util.Optional;

/**
 * The body each kind of channel gets, in that service's documented format. Limits are the services' own:
 * Slack drops a message whose header is over 150 characters or a section over 3,000; PagerDuty refuses a
 * summary over 1,024.
 */
final class Payloads {

    private static final int SLACK_HEADER = 150;
    private static final int SLACK_SECTION = 3000;
    private static final int PAGERDUTY_SUMMARY = 1024;

    private final ObjectMapper json;
    private final Optional<String> consoleBase;

    Payloads(ObjectMapper json, Optional<String> publicUrl) {
        this.json = json;
        this.consoleBase = publicUrl.map(u -> u.replaceAll("/+$", "") + "/console");
    }

    /** Where a person sees the rotation (or the schedule) in the console, when the public URL is known. */
    Optional<String> consoleLink(Notice n) {
        return consoleBase.map(base -> n.rotationId() != null
                ? base + "/#/rotations/" + n.rotationId()
                : n.keyId() != null ? base + "/#/keys/" + n.keyId() : base + "/#/schedule");
    }

    /**
     * A Slack incoming-webhook message: {@code text} (the notification's fallback) and Block Kit blocks: a
     * header, the instructions, the key's facts as fields, and a button to the console.
     */
    ObjectNode slack(Notice notice) {
        Notice n = printable(notice);
        ObjectNode body = json.createObjectNode();
        body.put("text", cut(n.summary(), SLACK_SECTION));
        ArrayNode blocks = body.putArray("blocks");
        ObjectNode header = blocks.addObject().put("type", "header");
        header.putObject("text").put("type", "plain_text").put("text", cut(title(n), SLACK_HEADER));
        blocks.addObject()
                .put("type", "section")
                .putObject("text")
                .put("type", "mrkdwn")
                .put("text", cut(escape(n.summary()), SLACK_SECTION));
        if (n.instructions() != null) {
            blocks.addObject()
                    .put("type", "section")
                    .putObject("text")
                    .put("type", "mrkdwn")
                    .put(
                            "text",
                            "```" + cut(escape(n.instructions()).replace("```", "'''"), SLACK_SECTION - 6) + "```");
        }
        ObjectNode facts = blocks.addObject().put("type", "section");
        ArrayNode fields = facts.putArray("fields");
        field(fields, "Event", n.event());
        field(fields, "Key", n.keyId());
        field(fields, "Merchant", n.mid());
        field(fields, "Mode", n.mode());
        field(fields, "Step", n.step());
        field(fields, "Rotation", n.rotationId());
        field(fields, "By", n.by());
        field(fields, "Until", n.until() == null ? null : n.until().toString());
        if (fields.isEmpty()) {
            blocks.remove(blocks.size() - 1);
        }
        consoleLink(n).ifPresent(link -> {
            ObjectNode button = blocks.addObject()
                    .put("type", "actions")
                    .putArray("elements")
                    .addObject()
                    .put("type", "button")
                    .put("url", link);
            button.putObject("text").put("type", "plain_text").put("text", "Open in the console");
        });
        return body;
    }

    /**
     * A PagerDuty Events API v2 event: {@code trigger} when a person is needed, a rotation failed or rolled
     * back, a key is overdue or the schedule was paused; {@code resolve} when the rotation completed or was
     * aborted, or the schedule resumed. The dedup key ties them: the rotation id, {@code overdue-<key>} or
     * {@code schedule-pause}.
     */
    ObjectNode pagerDuty(Notice notice, String routingKey) {
        Notice n = printable(notice);
        ObjectNode body = json.createObjectNode();
        body.put("routing_key", routingKey);
        boolean resolve = switch (n.event()) {
            case "completed", "aborted", "schedule-resumed" -> true;
            default -> false;
        };
        body.put("event_action", resolve ? "resolve" : "trigger");
        body.put("dedup_key", dedupKey(n));
        if (resolve) {
            return body;
        }
        ObjectNode payload = body.putObject("payload");
        payload.put("summary", cut(n.summary(), PAGERDUTY_SUMMARY));
        payload.put("source", "kashier-key-rotator");
        payload.put("severity", severity(n));
        payload.put("timestamp", n.at().toString());
        payload.put("component", n.keyId() == null ? "schedule" : n.keyId());
        payload.put("group", n.mid() == null ? "schedule" : n.mid());
        payload.put("class", n.event());
        ObjectNode details = payload.putObject("custom_details");
        putIfSet(details, "rotation", n.rotationId());
        putIfSet(details, "key", n.keyId());
        putIfSet(details, "mode", n.mode());
        putIfSet(details, "step", n.step());
        putIfSet(details, "instructions", n.instructions());
        putIfSet(details, "by", n.by());
        putIfSet(details, "until", n.until() == null ? null : n.until().toString());
        body.put("client", "Kashier Key Rotator");
        consoleLink(n).ifPresent(link -> {
            body.put("client_url", link);
            body.putArray("links").addObject().put("href", link).put("text", "Open in the console");
        });
        return body;
    }

    /** The body of a signed webhook notification (docs/notifications.md). */
    ObjectNode webhook(Notice notice) {
        Notice n = printable(notice);
        ObjectNode body = json.createObjectNode();
        body.put("event", n.event());
        body.put("id", n.id());
        body.put("at", n.at().toString());
        body.put("summary", n.summary());
        putIfSet(body, "rotationId", n.rotationId());
        putIfSet(body, "keyId", n.keyId());
        putIfSet(body, "mid", n.mid());
        putIfSet(body, "mode", n.mode());
        putIfSet(body, "step", n.step());
        putIfSet(body, "instructions", n.instructions());
        putIfSet(body, "by", n.by());
        putIfSet(body, "until", n.until() == null ? null : n.until().toString());
        consoleLink(n).ifPresent(link -> body.put("consoleUrl", link));
        return body;
    }

    /**
     * The notice with every control character replaced (line breaks kept): a display name, an error a
     * dependent's answer went into, are shown in chat as text, never acted on by a client.
     */
    static Notice printable(Notice n) {
        return new Notice(
                n.event(),
                n.id(),
                n.at(),
                Printable.line(n.rotationId()),
                Printable.line(n.keyId()),
                Printable.line(n.mid()),
                Printable.line(n.mode()),
                Printable.line(n.step()),
                Printable.text(n.summary()),
                Printable.text(n.instructions()),
                Printable.line(n.by()),
                n.until());
    }

    static String dedupKey(Notice n) {
        if (n.rotationId() != null) {
            return n.rotationId();
        }
        if (n.keyId() != null) {
            return "overdue-" + n.keyId();
        }
        return "schedule-pause";
    }

    private static String severity(Notice n) {
        return switch (n.event()) {
            case "failed", "rolled-back" -> "error";
            case "person-needed", "key-overdue" -> "live".equals(n.mode()) ? "critical" : "warning";
            default -> "info";
        };
    }

    private static String title(Notice n) {
        String what = switch (n.event()) {
            case "person-needed" -> "A rotation needs you at the Kashier dashboard";
            case "completed" -> "Rotation completed";
            case "failed" -> "Rotation failed";
            case "rolled-back" -> "Rotation rolled back";
            case "aborted" -> "Rotation aborted";
            case "key-overdue" -> "Key overdue for rotation";
            case "schedule-paused" -> "Scheduled rotations paused";
            default -> "Scheduled rotations resumed";
        };
        return n.keyId() == null ? what : what + ": " + n.keyId();
    }

    private static void field(ArrayNode fields, String name, String value) {
        if (value != null) {
            fields.addObject().put("type", "mrkdwn").put("text", "*" + name + "*\n" + escape(value));
        }
    }

    private static void putIfSet(ObjectNode node, String name, String value) {
        if (value != null) {
            node.put(name, value);
        }
    }

    /** Slack's mrkdwn control characters, escaped as its documentation asks. */
    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
