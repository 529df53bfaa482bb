package dev.kashierrotator.notify;

import static dev.kashierrotator.testing.Api.asAdmin;
import static dev.kashierrotator.testing.Api.awaitRotation;
import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static dev.kashierrotator.testing.RotatorTestResource.key;
import static dev.kashierrotator.testing.RotatorTestResource.webhook;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kashierrotator.rotation.ManualDashboardTest;
import dev.kashierrotator.schedule.RotationScheduler;
import dev.kashierrotator.testing.Api;
import dev.kashierrotator.testing.NotificationReceivers;
import dev.kashierrotator.testing.NotificationReceivers.Received;
import dev.kashierrotator.testing.Person;
import dev.kashierrotator.testing.WorldPart;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Notifications against the running service in manual mode, with local receivers that check every payload
 * against Slack's, PagerDuty's and this service's own documented formats: a person is told the moment a
 * rotation waits for them, and once per question; PagerDuty's incident is triggered then and resolved when
 * the rotation completes or is aborted; a failing receiver is retried, a hanging one and one that stalls after its headers are given up on, and
 * neither holds a rotation up. Filters by event, mode and key hold.
 */
@QuarkusTest
@TestProfile(ManualDashboardTest.Manual.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NotificationsTest {

    private static final String MID = "MID-2000-002";
    private static final Person PERSON = new Person(MID);
    private static final String CONSOLE = "https://kkr.payments.example/console/#/rotations/";

    @Inject
    RotationScheduler scheduler;

    @Test
    @Order(1)
    void aPersonIsToldAtOnceOnEveryChannelAndTheIncidentResolvesWhenTheRotationCompletes() {
        NotificationReceivers r = World.receivers;
        r.failWebhookTimes(2);
        String id = rotate("ntf-pay", "quarterly rotation");
        awaitState(id, "AWAITING_DASHBOARD", 30);

        Received slack = awaitOne(r.slack(), about(id, "person-needed"));
        JsonNode blocks = slack.body().path("blocks");
        assertTrue(slack.body().path("text").asText().contains(id), slack.raw());
        assertTrue(blocks.toString().contains("ISSUE_NEW_KEY"), "the step: " + slack.raw());
        assertTrue(blocks.toString().contains("payment API key"), "the instructions: " + slack.raw());
        assertTrue(blocks.toString().contains(MID), "the merchant: " + slack.raw());
        assertTrue(blocks.toString().contains(CONSOLE + id), "a console link: " + slack.raw());

        Received trigger =
                awaitOne(r.pagerDuty(), b -> id.equals(b.path("dedup_key").asText()));
        assertEquals("trigger", trigger.body().path("event_action").asText());
        assertEquals("warning", trigger.body().path("payload").path("severity").asText(), "a test-mode key");
        assertFalse(trigger.body()
                .path("payload")
                .path("custom_details")
                .path("instructions")
                .asText()
                .isEmpty());

        Received hook = awaitOne(r.webhook(), about(id, "person-needed"));
        assertEquals("ntf-pay", hook.body().path("keyId").asText());
        assertEquals(CONSOLE + id, hook.body().path("consoleUrl").asText());
        assertTrue(failed("hook") >= 2, "the two 503s were retried, and counted");

        String pasted = PERSON.makePaymentKey();
        Person.confirm(id, Map.of("newKey", pasted)).then().statusCode(202);
        Response asked = awaitRotation(
                id,
                30,
                x -> "AWAITING_DASHBOARD".equals(x.path("state"))
                        && "RUNNING".equals(x.path("steps.find { it.name == 'EXPIRE_OLD_KEY' }.state")));
        awaitOne(
                r.slack(),
                b -> b.path("text").asText().contains(id) && b.toString().contains("EXPIRE_OLD_KEY"));
        PERSON.deletePaymentKey(asked.path("oldFingerprint"));
        Person.confirm(id, Map.of()).then().statusCode(202);
        awaitState(id, "COMPLETED", 30);

        awaitOne(r.slack(), about(id, "completed"));
        Received resolve = awaitOne(
                r.pagerDuty(),
                b -> id.equals(b.path("dedup_key").asText())
                        && "resolve".equals(b.path("event_action").asText()));
        assertEquals(3, resolve.body().size(), "a resolve carries routing key, action and dedup key only");
        awaitOne(r.webhook(), about(id, "completed"));
        assertEquals(
                2,
                r.slack().stream()
                        .filter(x -> x.body().path("text").asText().contains(id)
                                && x.raw().contains("waits for a person"))
                        .count(),
                "once per question: the new key, then the old key's deletion");

        for (Received x : all(r)) {
            assertEquals(List.of(), x.problems(), "as the receiver's format says: " + x.raw());
        }
        assertTrue(r.everything().stream().noneMatch(b -> b.contains(pasted)), "the key never travels");
        assertTrue(
                r.everything().stream().noneMatch(b -> b.contains(NotificationReceivers.WEBHOOK_SECRET)),
                "nor the signing secret");
    }

    @Test
    @Order(2)
    void aHangingChannelIsGivenUpOnWithoutHoldingUpRotationsOrOtherChannels() {
        NotificationReceivers r = World.receivers;
        await().atMost(Duration.ofSeconds(20)).until(() -> dropped("hang") >= 1 && dropped("stall") >= 1);
        assertTrue(r.hung() >= 2, "tried twice (attempts 2), each time cut off by its 1 s timeout");
        assertTrue(r.stalled() >= 2, "headers then silence: cut off on the wall clock, tried twice");
        assertTrue(failed("stall") >= 2, "each cut-off try counted as failed");
        String log = Api.management().get("/q/metrics").asString();
        assertFalse(log.contains(World.receivers.url("/hang")), "no URL in metrics");
        for (String name : dev.kashierrotator.helm.HelmChartTest.ALERT_METRICS) {
            if (name.startsWith("rotator_notifications_")) {
                assertTrue(log.contains(name + "{"), name + " is exported, for the chart's alerts");
            }
        }
    }

    @Test
    @Order(3)
    void filtersByEventModeAndKeyHold() {
        NotificationReceivers r = World.receivers;
        String id = rotate("ntf-other", "not for the hook");
        awaitState(id, "AWAITING_DASHBOARD", 30);
        Person.abort(id, "wrong key picked").then().statusCode(202);
        awaitState(id, "ABORTED", 30);

        awaitOne(r.slack(), about(id, "aborted"));
        awaitOne(
                r.pagerDuty(),
                b -> id.equals(b.path("dedup_key").asText())
                        && "resolve".equals(b.path("event_action").asText()));
        assertTrue(r.webhook().stream().noneMatch(x -> x.raw().contains(id)), "the hook takes ntf-pay only");

        asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "Ramadan freeze", "for", "2h"))
                .post("/api/v1/schedule/pause")
                .then()
                .statusCode(200);
        Received paused = awaitOne(r.slack(), b -> b.path("text").asText().startsWith("Scheduled rotations paused by"));
        assertTrue(paused.raw().contains("Ramadan freeze"), paused.raw());
        awaitOne(r.webhook(), b -> "schedule-paused".equals(b.path("event").asText()));
        asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "freeze lifted"))
                .post("/api/v1/schedule/resume")
                .then()
                .statusCode(200);
        awaitOne(r.slack(), b -> b.path("text").asText().startsWith("Scheduled rotations resumed"));
        assertTrue(
                r.pagerDuty().stream()
                        .noneMatch(x -> "schedule-pause"
                                .equals(x.body().path("dedup_key").asText())),
                "PagerDuty takes rotation events only here");
        for (Received x : all(r)) {
            assertEquals(List.of(), x.problems(), x.raw());
        }
    }

    @Test
    @Order(4)
    void anOverdueKeyIsToldOncePerVersionHoweverManyTicksSeeIt() {
        NotificationReceivers r = World.receivers;
        // Due a second after it was stored, never started (always in a blackout): overdue 10 minutes on.
        Instant late = Instant.now().plus(Duration.ofMinutes(11));
        scheduler.tick(late);
        scheduler.tick(late.plusSeconds(60));
        Received overdue = awaitOne(r.slack(), b -> slackEvent(b).equals("key-overdue"));
        assertTrue(overdue.raw().contains("ntf-frozen"), overdue.raw());
        assertTrue(overdue.raw().contains("blackout"), "it says what holds the key back: " + overdue.raw());
        Received page = awaitOne(
                r.pagerDuty(),
                b -> "overdue-ntf-frozen".equals(b.path("dedup_key").asText()));
        assertEquals("trigger", page.body().path("event_action").asText());
        scheduler.tick(late.plusSeconds(120));
        // A tick hands its notices over before it returns: once nothing waits to be sent, all were received.
        await().atMost(Duration.ofSeconds(15)).until(() -> queued() == 0);
        assertEquals(
                1,
                r.slack().stream()
                        .filter(x -> slackEvent(x.body()).equals("key-overdue"))
                        .count(),
                "three ticks, one notice");
        for (Received x : all(r)) {
            assertEquals(List.of(), x.problems(), x.raw());
        }
    }

    @Test
    @Order(5)
    void noChannelSecretIsEverLogged() throws java.io.IOException {
        // Everything the service logged in these tests, failures and drops included.
        String log = java.nio.file.Files.readString(java.nio.file.Path.of("target", "quarkus-test.log"));
        assertTrue(log.contains("channel hang dropped"), "the log is the one these tests wrote");
        for (String secret : List.of(
                NotificationReceivers.ROUTING_KEY, "T000/B000/XXXXXXXX", NotificationReceivers.WEBHOOK_SECRET)) {
            assertFalse(log.contains(secret), "never logged: " + secret);
        }
    }

    private static List<Received> all(NotificationReceivers r) {
        return java.util.stream.Stream.of(r.slack(), r.pagerDuty(), r.webhook())
                .flatMap(List::stream)
                .toList();
    }

    private static Predicate<JsonNode> about(String rotationId, String event) {
        return b ->
                (b.path("text").asText().contains(rotationId) && slackEvent(b).equals(event))
                        || (rotationId.equals(b.path("rotationId").asText())
                                && event.equals(b.path("event").asText()));
    }

    /** The event a Slack message is about, from its fields. */
    private static String slackEvent(JsonNode b) {
        for (JsonNode block : b.path("blocks")) {
            for (JsonNode f : block.path("fields")) {
                String t = f.path("text").asText();
                if (t.startsWith("*Event*\n")) {
                    return t.substring("*Event*\n".length());
                }
            }
        }
        return "";
    }

    private static Received awaitOne(List<Received> received, Predicate<JsonNode> matching) {
        return await().atMost(Duration.ofSeconds(15))
                .until(
                        () -> received.stream()
                                .filter(x -> x.body() != null && matching.test(x.body()))
                                .findFirst(),
                        java.util.Optional::isPresent)
                .orElseThrow();
    }

    private static double queued() {
        return Api.management()
                .get("/q/metrics")
                .asString()
                .lines()
                .filter(l -> l.startsWith("rotator_notifications_queued{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static double failed(String channel) {
        return counter("rotator_notifications_failed_total", channel);
    }

    private static double dropped(String channel) {
        return counter("rotator_notifications_dropped_total", channel);
    }

    private static double counter(String name, String channel) {
        return Api.management()
                .get("/q/metrics")
                .asString()
                .lines()
                .filter(l -> l.startsWith(name + "{") && l.contains("channel=\"" + channel + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    /**
     * Its part of the manual-mode world: four channels, Slack (test mode), PagerDuty (rotation events), a hook,
     * and two that never answer (their notices are about its own key only).
     */
    public static class World implements WorldPart {
        static NotificationReceivers receivers;

        @Override
        public String world() {
            return ManualDashboardTest.ManualWorld.class.getSimpleName();
        }

        @Override
        public void addTo(Map<String, String> c) {
            receivers = new NotificationReceivers();
            // The OpenBao server is shared with other test classes; a pause of this schedule is not.
            c.put("rotator.vault.state-prefix", "kashier-rotator-notify-test");
            c.put("rotator.public-url", "https://kkr.payments.example");
            key(c, "ntf-pay", "second", "test", "payment-api-key", "300ms");
            key(c, "ntf-other", "second", "test", "payment-api-key", "300ms");
            webhook(c, "ntf-app", 0, List.of("ntf-pay", "ntf-other"), "inline", "ntf-app-secret", "ntf-app-secret");
            c.put("rotator.notifications.slack.type", "slack");
            c.put("rotator.notifications.slack.url", receivers.url("/slack/services/T000/B000/XXXXXXXX"));
            c.put("rotator.notifications.slack.modes", "test");
            // Due a second after it is stored, but never outside a blackout: overdue once past due.
            key(c, "ntf-frozen", "second", "test", "payment-api-key", "300ms");
            c.put("rotator.keys.ntf-frozen.schedule.every", "1s");
            c.put("rotator.keys.ntf-frozen.schedule.blackouts", "MON-SUN");
            c.put("rotator.notifications.pd.type", "pagerduty");
            c.put("rotator.notifications.pd.url", receivers.url("/pagerduty/v2/enqueue"));
            c.put("rotator.notifications.pd.routing-key", NotificationReceivers.ROUTING_KEY);
            c.put("rotator.notifications.pd.events", "person-needed,completed,failed,rolled-back,aborted,key-overdue");
            c.put("rotator.notifications.hook.type", "webhook");
            c.put("rotator.notifications.hook.url", receivers.url("/webhook"));
            c.put("rotator.notifications.hook.signing-secret", NotificationReceivers.WEBHOOK_SECRET);
            c.put("rotator.notifications.hook.keys", "ntf-pay");
            c.put("rotator.notifications.hook.backoff", "100ms");
            // Never answers; and answers 200 headers, then never its body (the JDK's own timeout no longer
            // applies): both given up on after two tries of 1 s.
            for (String bad : List.of("hang", "stall")) {
                String at = "rotator.notifications." + bad + ".";
                c.put(at + "type", "webhook");
                c.put(at + "url", receivers.url("/" + bad));
                c.put(at + "signing-secret", bad + "-secret");
                c.put(at + "keys", "ntf-pay");
                c.put(at + "events", "person-needed");
                c.put(at + "attempts", "2");
                c.put(at + "backoff", "100ms");
                c.put(at + "timeout", "1s");
            }
        }

        @Override
        public void stop() {
            receivers.close();
        }
    }
}
