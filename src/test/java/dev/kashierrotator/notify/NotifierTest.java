package dev.kashierrotator.notify;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.inventory.NotificationChannel;
import dev.kashierrotator.rotation.Notice;
import dev.kashierrotator.testing.NotificationReceivers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The notifier against real local receivers, one of which answers {@code 200} headers and then never
 * sends its body (a stalled receiver, or a proxy in front of one): each try is cut off by the channel's
 * timeout on the wall clock, the notice is retried, then dropped and counted; a stalled or full chat channel
 * never holds up or drops a PagerDuty page; every notice ends sent or counted.
 */
@Tag("fast")
class NotifierTest {

    private final NotificationReceivers receivers = new NotificationReceivers();
    private final MeterRegistry metrics = new SimpleMeterRegistry();
    private static final HttpClient http = HttpClient.newHttpClient();
    private final dev.kashierrotator.util.Threads threads = new dev.kashierrotator.util.Threads();
    private Notifier notifier;

    @AfterEach
    void close() {
        if (notifier != null) {
            notifier.close();
        }
        threads.close();
        receivers.close();
    }

    @Test
    void aReceiverThatStallsAfterItsHeadersIsCutOffAtTheTimeoutRetriedThenCounted() {
        notifier = notifier(10, channel("chat", "/stall", 2, Duration.ofMillis(500)));
        Instant start = Instant.now();
        notifier.announce(notice(1));

        await().atMost(Duration.ofSeconds(20)).until(() -> count("dropped", "chat") == 1);
        Duration took = Duration.between(start, Instant.now());
        assertEquals(2, receivers.stalled(), "both tries reached the receiver");
        assertEquals(2, count("failed", "chat"), "each try counted as failed");
        assertEquals(0, queued("chat"), "its slot is free again");
        assertTrue(
                took.compareTo(Duration.ofSeconds(10)) < 0,
                "two 500 ms tries and a 50 ms pause end within seconds, not never: " + took);
    }

    @Test
    void aStalledAndFullChatChannelNeitherDelaysNorStarvesPagerDuty() {
        NotificationChannel chat = channel("chat", "/stall", 1, Duration.ofSeconds(2));
        notifier = notifier(
                2,
                chat,
                new NotificationChannel(
                        "pd",
                        NotificationChannel.Type.PAGERDUTY,
                        URI.create(receivers.url("/pagerduty/v2/enqueue")),
                        Optional.of(NotificationReceivers.ROUTING_KEY),
                        Set.of("person-needed"),
                        EnumSet.allOf(Mode.class),
                        Set.of(),
                        3,
                        Duration.ofMillis(50),
                        Duration.ofSeconds(5)));
        // The chat channel takes every event: 30 "completed" notices fill its queue of 2 behind a stalled try.
        for (int i = 0; i < 30; i++) {
            notifier.announce(notice("completed", i));
        }
        for (int i = 0; i < 3; i++) {
            notifier.announce(notice("person-needed", 100 + i));
        }

        // Counted as sent once the receiver's answer is read, just after the receiver has kept the body.
        await().atMost(Duration.ofSeconds(20)).until(() -> count("sent", "pd") == 3);
        assertTrue(queued("chat") > 0, "the pages did not wait for the chat channel's stalled tries to end");
        assertEquals(3, receivers.pagerDuty().size());
        assertEquals(0, count("dropped", "pd"), "a full chat channel drops only its own notices");
        // One try and two waiting, each cut off after 2 s; the rest dropped at once: every notice ends counted.
        await().atMost(Duration.ofSeconds(30)).until(() -> count("dropped", "chat") == 33);
        assertEquals(3, receivers.stalled(), "only the three it had room for were tried");
        assertEquals(0, count("sent", "chat"));
        assertEquals(0, queued("chat"));
        for (NotificationReceivers.Received r : receivers.pagerDuty()) {
            assertEquals(List.of(), r.problems(), r.raw());
        }
    }

    @Test
    void whatIsStillWaitingAtShutdownIsCountedAsDropped() {
        notifier = notifier(10, channel("chat", "/stall", 1, Duration.ofSeconds(30)));
        for (int i = 0; i < 4; i++) {
            notifier.announce(notice(i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> receivers.stalled() == 1);
        notifier.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> count("dropped", "chat") == 4);
        assertEquals(0, queued("chat"));
    }

    private Notifier notifier(int queue, NotificationChannel... channels) {
        return new Notifier(
                List.of(channels),
                http,
                new ObjectMapper(),
                Optional.empty(),
                metrics,
                queue,
                threads,
                java.time.Clock.systemUTC());
    }

    private NotificationChannel channel(String name, String path, int attempts, Duration timeout) {
        return new NotificationChannel(
                name,
                NotificationChannel.Type.WEBHOOK,
                URI.create(receivers.url(path)),
                Optional.of(NotificationReceivers.WEBHOOK_SECRET),
                NotificationChannel.EVENTS,
                EnumSet.allOf(Mode.class),
                Set.of(),
                attempts,
                Duration.ofMillis(50),
                timeout);
    }

    private static Notice notice(int n) {
        return notice("person-needed", n);
    }

    private static Notice notice(String event, int n) {
        String rotation = "rot-20261204T030000000Z-" + String.format("%06d", n);
        return new Notice(
                event,
                rotation + "/" + event + "/" + n,
                Instant.now(),
                rotation,
                "main-live-payment",
                "MID-1",
                "live",
                "ISSUE_NEW_KEY",
                "Rotation " + rotation + " waits for a person",
                "Make a new payment API key.",
                null,
                null);
    }

    private double count(String what, String channel) {
        return Search.in(metrics).name("rotator.notifications." + what).tag("channel", channel).counters().stream()
                .mapToDouble(c -> c.count())
                .sum();
    }

    private double queued(String channel) {
        return Search.in(metrics)
                .name("rotator.notifications.queued")
                .tag("channel", channel)
                .gauge()
                .value();
    }
}
