package dev.kashierrotator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kashierrotator.rollout.Signatures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Local stand-ins for Slack, PagerDuty and a signed webhook receiver, on one free loopback port. Each checks
 * what it receives against the service's documented format (Slack's incoming webhooks and Block Kit limits,
 * PagerDuty's Events API v2, this service's signature) and answers as that service does: a payload that
 * breaks the format is refused (400) and its problems kept, so a test sees both.
 */
public final class NotificationReceivers implements AutoCloseable {

    /** PagerDuty integration keys are 32 characters. */
    public static final String ROUTING_KEY = "R0UT1NGKEY0123456789ABCDEFGHIJKL";

    public static final String WEBHOOK_SECRET = "notification-webhook-secret";

    /** What one receiver got. */
    public record Received(String path, JsonNode body, String raw, List<String> problems) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final List<Received> slack = new CopyOnWriteArrayList<>();
    private final List<Received> pagerDuty = new CopyOnWriteArrayList<>();
    private final List<Received> webhook = new CopyOnWriteArrayList<>();
    private final AtomicInteger webhookFailuresLeft = new AtomicInteger();
    private final AtomicInteger hung = new AtomicInteger();
    private final AtomicInteger stalled = new AtomicInteger();

    public NotificationReceivers() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "notification-receiver");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/slack/", e -> answer(e, slack, NotificationReceivers::slackProblems, "ok", 200));
        server.createContext("/pagerduty/v2/enqueue", e -> {
            Received r = receive(e, pagerDuty, NotificationReceivers::pagerDutyProblems);
            if (r.problems().isEmpty()) {
                reply(
                        e,
                        202,
                        "{\"status\":\"success\",\"message\":\"Event processed\",\"dedup_key\":\""
                                + r.body().path("dedup_key").asText() + "\"}");
            } else {
                reply(e, 400, "{\"status\":\"invalid event\",\"message\":\"Event object is invalid\"}");
            }
        });
        server.createContext("/webhook", e -> {
            if (webhookFailuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                e.getRequestBody().readAllBytes();
                reply(e, 503, "{}");
                return;
            }
            answer(e, webhook, (raw, body) -> webhookProblems(e, raw, body), "{}", 200);
        });
        // Reads the request, never answers: the service's try times out.
        server.createContext("/hang", e -> {
            e.getRequestBody().readAllBytes();
            hung.incrementAndGet();
        });
        // Answers 200 headers and then never sends the body: only a wall-clock bound ends the try.
        server.createContext("/stall", e -> {
            e.getRequestBody().readAllBytes();
            stalled.incrementAndGet();
            e.sendResponseHeaders(200, 0);
            e.getResponseBody().flush();
        });
        server.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The next {@code n} webhook notifications are answered 503 first. */
    public void failWebhookTimes(int n) {
        webhookFailuresLeft.set(n);
    }

    public List<Received> slack() {
        return slack;
    }

    public List<Received> pagerDuty() {
        return pagerDuty;
    }

    public List<Received> webhook() {
        return webhook;
    }

    /** Requests the hanging receiver took and never answered. */
    public int hung() {
        return hung.get();
    }

    /** Requests the stalling receiver answered with headers and no body. */
    public int stalled() {
        return stalled.get();
    }

    /** Every body received, raw, for checks that nothing secret travelled. */
    public List<String> everything() {
        List<String> all = new ArrayList<>();
        for (List<Received> l : List.of(slack, pagerDuty, webhook)) {
            l.forEach(r -> all.add(r.raw()));
        }
        return all;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private interface Checker {
        List<String> problems(String raw, JsonNode body);
    }

    private static void answer(HttpExchange e, List<Received> into, Checker checker, String ok, int okStatus)
            throws IOException {
        Received r = receive(e, into, checker);
        if (r.problems().isEmpty()) {
            reply(e, okStatus, ok);
        } else {
            reply(e, 400, "invalid_payload");
        }
    }

    private static Received receive(HttpExchange e, List<Received> into, Checker checker) throws IOException {
        String raw = new String(e.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        List<String> problems = new ArrayList<>();
        JsonNode body = null;
        if (!"POST".equals(e.getRequestMethod())) {
            problems.add("method " + e.getRequestMethod());
        }
        if (!String.valueOf(e.getRequestHeaders().getFirst("Content-Type")).startsWith("application/json")) {
            problems.add("Content-Type " + e.getRequestHeaders().getFirst("Content-Type"));
        }
        try {
            body = JSON.readTree(raw);
            problems.addAll(checker.problems(raw, body));
        } catch (IOException ex) {
            problems.add("not JSON");
        }
        Received r = new Received(e.getRequestURI().getPath(), body, raw, List.copyOf(problems));
        into.add(r);
        return r;
    }

    private static void reply(HttpExchange e, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        e.sendResponseHeaders(status, bytes.length);
        e.getResponseBody().write(bytes);
        e.close();
    }

    /** Slack incoming webhooks with Block Kit: text as the fallback, and each block within its limits. */
    public static List<String> slackProblems(String raw, JsonNode body) {
        List<String> p = new ArrayList<>();
        if (!body.path("text").isTextual() || body.path("text").asText().isBlank()) {
            p.add("text: required as the notification's fallback when blocks are sent");
        }
        JsonNode blocks = body.path("blocks");
        if (!blocks.isArray() || blocks.isEmpty() || blocks.size() > 50) {
            p.add("blocks: 1 to 50 required");
            return p;
        }
        for (JsonNode b : blocks) {
            String type = b.path("type").asText();
            switch (type) {
                case "header" -> text(p, b.path("text"), "plain_text", 150, "header.text");
                case "section" -> {
                    if (b.has("text")) {
                        text(p, b.path("text"), null, 3000, "section.text");
                    }
                    if (b.has("fields")) {
                        if (!b.path("fields").isArray() || b.path("fields").size() > 10) {
                            p.add("section.fields: at most 10");
                        }
                        b.path("fields").forEach(f -> text(p, f, null, 2000, "section.fields[]"));
                    }
                    if (!b.has("text") && !b.has("fields")) {
                        p.add("section: text or fields required");
                    }
                }
                case "actions" -> {
                    JsonNode elements = b.path("elements");
                    if (!elements.isArray() || elements.isEmpty() || elements.size() > 25) {
                        p.add("actions.elements: 1 to 25 required");
                    }
                    elements.forEach(el -> {
                        if (!"button".equals(el.path("type").asText())) {
                            p.add("actions.elements[].type: " + el.path("type").asText());
                        }
                        text(p, el.path("text"), "plain_text", 75, "button.text");
                        if (el.path("url").asText().length() > 3000
                                || !el.path("url").asText().startsWith("http")) {
                            p.add("button.url: an http(s) URL of at most 3000 characters");
                        }
                    });
                }
                default -> p.add("blocks[].type: unexpected '" + type + "'");
            }
        }
        return p;
    }

    private static void text(List<String> p, JsonNode t, String type, int max, String where) {
        String kind = t.path("type").asText();
        if (type != null ? !type.equals(kind) : !Set.of("plain_text", "mrkdwn").contains(kind)) {
            p.add(where + ".type: " + kind);
        }
        String s = t.path("text").asText();
        if (s.isEmpty() || s.length() > max) {
            p.add(where + ".text: 1 to " + max + " characters, got " + s.length());
        }
    }

    /** PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/). */
    public static List<String> pagerDutyProblems(String raw, JsonNode body) {
        List<String> p = new ArrayList<>();
        if (!ROUTING_KEY.equals(body.path("routing_key").asText())) {
            p.add("routing_key: not the integration's key");
        }
        String action = body.path("event_action").asText();
        if (!Set.of("trigger", "acknowledge", "resolve").contains(action)) {
            p.add("event_action: " + action);
        }
        String dedup = body.path("dedup_key").asText();
        if (dedup.isEmpty() || dedup.length() > 255) {
            p.add("dedup_key: 1 to 255 characters");
        }
        if (action.equals("trigger")) {
            JsonNode payload = body.path("payload");
            String summary = payload.path("summary").asText();
            if (summary.isEmpty() || summary.length() > 1024) {
                p.add("payload.summary: 1 to 1024 characters");
            }
            if (payload.path("source").asText().isEmpty()) {
                p.add("payload.source: required");
            }
            if (!Set.of("critical", "error", "warning", "info")
                    .contains(payload.path("severity").asText())) {
                p.add("payload.severity: " + payload.path("severity").asText());
            }
            if (payload.has("timestamp")) {
                try {
                    Instant.parse(payload.path("timestamp").asText());
                } catch (DateTimeParseException e) {
                    p.add("payload.timestamp: not ISO 8601");
                }
            }
            if (payload.has("custom_details") && !payload.path("custom_details").isObject()) {
                p.add("payload.custom_details: an object");
            }
            body.path("links").forEach(l -> {
                if (!l.path("href").asText().startsWith("http")) {
                    p.add("links[].href: a URL");
                }
            });
        }
        return p;
    }

    /** This service's signed notification: the delivery id, the event header and a fresh valid signature. */
    private static List<String> webhookProblems(HttpExchange e, String raw, JsonNode body) {
        List<String> p = new ArrayList<>();
        if (!Signatures.verify(
                WEBHOOK_SECRET,
                e.getRequestHeaders().getFirst("X-Rotator-Signature"),
                raw.getBytes(StandardCharsets.UTF_8),
                java.time.Instant.now())) {
            p.add("X-Rotator-Signature: not valid for this body");
        }
        if (e.getRequestHeaders().getFirst("X-Rotator-Delivery") == null) {
            p.add("X-Rotator-Delivery: required");
        }
        if (!("notification." + body.path("event").asText())
                .equals(e.getRequestHeaders().getFirst("X-Rotator-Event"))) {
            p.add("X-Rotator-Event: not the body's event");
        }
        for (String field : List.of("event", "id", "at", "summary")) {
            if (body.path(field).asText().isEmpty()) {
                p.add(field + ": required");
            }
        }
        return p;
    }
}
