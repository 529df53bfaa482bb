package dev.kashierrotator.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.inventory.Inventory;
import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.inventory.NotificationChannel;
import dev.kashierrotator.rollout.Signatures;
import dev.kashierrotator.rotation.Announcements;
import dev.kashierrotator.rotation.Notice;
import dev.kashierrotator.util.BoundedHttp;
import dev.kashierrotator.util.Threads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends notices to the configured channels (docs/notifications.md). {@link #announce} only queues: a
 * channel that is slow, down, refusing or stalled never holds up or fails a rotation, nor another channel.
 *
 * <p>Each channel has its own outbox: one sender thread and a bounded queue ({@link #QUEUE} notices). A
 * channel sends in order; a notice that fails is tried again, up to the channel's {@code attempts} with
 * pauses doubling from its {@code backoff}, before the next one is tried, so a PagerDuty {@code resolve}
 * never overtakes its {@code trigger}. Every try is bounded on the wall clock by the channel's
 * {@code timeout}, connection to last byte ({@link BoundedHttp}: a receiver that sends its headers and then
 * stalls is cut off like one that never answers). Every notice is sent, or counted as dropped with a log
 * line saying why (queue full, given up, shutting down); a full chat channel never drops a PagerDuty page.
 * What is logged names the channel and the answer's status, never its URL, routing key or signing secret.
 */
@ApplicationScoped
public class Notifier implements Announcements {

    /** Notices waiting to be sent or retried, per channel. */
    static final int QUEUE = 500;

    /** Receivers answer with a short status body; more than this is not read. */
    private static final int MAX_ANSWER = 16 * 1024;

    private final List<Outbox> outboxes;
    private final HttpClient http;
    private final Payloads payloads;
    private final ObjectMapper json;
    private final MeterRegistry metrics;
    private final Threads threads;
    private final Clock clock;

    @Inject
    public Notifier(
            Inventory inventory,
            HttpClient http,
            ObjectMapper json,
            RotatorConfig config,
            MeterRegistry metrics,
            Threads threads,
            Clock clock) {
        this(inventory.channels(), http, json, config.publicUrl(), metrics, QUEUE, threads, clock);
    }

    Notifier(
            List<NotificationChannel> channels,
            HttpClient http,
            ObjectMapper json,
            Optional<String> publicUrl,
            MeterRegistry metrics,
            int queue,
            Threads threads,
            Clock clock) {
        this.http = http;
        this.threads = threads;
        this.clock = clock;
        this.json = json;
        this.metrics = metrics;
        this.payloads = new Payloads(json, publicUrl);
        this.outboxes = channels.stream().map(c -> new Outbox(c, queue)).toList();
    }

    void shutdown(@Observes ShutdownEvent event) {
        close();
    }

    /** Stops every sender; what was still waiting is counted as dropped. */
    void close() {
        for (Outbox o : outboxes) {
            for (Runnable waiting : o.sender.shutdownNow()) {
                ((Send) waiting).drop("shutting down");
            }
        }
    }

    @Override
    public void announce(Notice notice) {
        Mode mode = notice.mode() == null ? null : Mode.of(notice.mode()).orElse(null);
        for (Outbox outbox : outboxes) {
            if (outbox.channel.takes(notice.event(), mode, notice.keyId())) {
                outbox.offer(notice);
            }
        }
    }

    /** One channel's queue and sender: a stalled channel holds only its own. */
    private final class Outbox {

        final NotificationChannel channel;
        final ThreadPoolExecutor sender;
        /** Notices accepted and not yet sent or dropped, the one being tried included. */
        final AtomicInteger queued = new AtomicInteger();

        final int capacity;

        Outbox(NotificationChannel channel, int queue) {
            this.channel = channel;
            this.capacity = queue;
            this.sender = threads.pool("notifier-" + channel.name(), 1, new ArrayBlockingQueue<>(queue));
            Gauge.builder("rotator.notifications.queued", queued, AtomicInteger::get)
                    .description("Notices waiting to be sent or retried")
                    .tag("channel", channel.name())
                    .tag("type", channel.type().name().toLowerCase(Locale.ROOT))
                    .register(metrics);
            // At zero from the start, so that an alert's increase() sees the first drop.
            for (String event : channel.events()) {
                for (String name : List.of("sent", "failed", "dropped")) {
                    counter("rotator.notifications." + name, channel, event);
                }
            }
        }

        void offer(Notice notice) {
            Send send = new Send(this, notice);
            queued.incrementAndGet();
            try {
                sender.execute(send);
            } catch (RejectedExecutionException e) {
                // The queue is full, or the service is stopping: counted, never kept without end.
                send.drop(sender.isShutdown() ? "shutting down" : "queue full (" + capacity + " waiting)");
            }
        }
    }

    /** A notice for one channel, tried until sent or given up on. */
    private final class Send implements Runnable {

        final Outbox outbox;
        final Notice notice;

        Send(Outbox outbox, Notice notice) {
            this.outbox = outbox;
            this.notice = notice;
        }

        @Override
        public void run() {
            NotificationChannel channel = outbox.channel;
            String outcome = "not tried";
            for (int attempt = 1; attempt <= channel.attempts(); attempt++) {
                if (attempt > 1) {
                    Duration pause = channel.backoff().multipliedBy(1L << Math.min(attempt - 2, 10));
                    Log.warnf(
                            "notification %s to channel %s: try %d failed (%s); again in %d ms",
                            notice.event(), channel.name(), attempt - 1, outcome, pause.toMillis());
                    try {
                        Thread.sleep(pause.toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        drop("shutting down");
                        return;
                    }
                }
                try {
                    BoundedHttp.Answer answer =
                            BoundedHttp.send(http, request(channel, notice), channel.timeout(), MAX_ANSWER, false);
                    if (answer.status() / 100 == 2) {
                        outbox.queued.decrementAndGet();
                        count("rotator.notifications.sent", channel, notice.event());
                        Log.debugf("notification %s sent to channel %s", notice.event(), channel.name());
                        return;
                    }
                    outcome = "HTTP " + answer.status();
                } catch (JsonProcessingException e) {
                    drop("not serialisable: " + e.getClass().getSimpleName());
                    return;
                } catch (IOException | RuntimeException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        drop("shutting down");
                        return;
                    }
                    // An exception's message may carry the URL (a Slack URL is a secret): only its kind is told.
                    outcome = e.getClass().getSimpleName();
                }
                count("rotator.notifications.failed", channel, notice.event());
            }
            drop("gave up after " + channel.attempts() + " tries, last: " + outcome);
        }

        void drop(String why) {
            outbox.queued.decrementAndGet();
            NotificationChannel channel = outbox.channel;
            count("rotator.notifications.dropped", channel, notice.event());
            Log.errorf(
                    "notification %s (%s) to channel %s dropped: %s", notice.event(), notice.id(), channel.name(), why);
        }
    }

    private HttpRequest request(NotificationChannel channel, Notice notice) throws JsonProcessingException {
        ObjectNode payload = switch (channel.type()) {
            case SLACK -> payloads.slack(notice);
            case PAGERDUTY -> payloads.pagerDuty(notice, channel.secret().orElseThrow());
            case WEBHOOK -> payloads.webhook(notice);
        };
        byte[] body = json.writeValueAsBytes(payload);
        HttpRequest.Builder request = HttpRequest.newBuilder(channel.url())
                .timeout(channel.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (channel.type() == NotificationChannel.Type.WEBHOOK) {
            String timestamp = Long.toString(clock.instant().getEpochSecond());
            request.header("X-Rotator-Event", "notification." + notice.event())
                    .header("X-Rotator-Delivery", notice.id())
                    .header(
                            "X-Rotator-Signature",
                            Signatures.header(channel.secret().orElseThrow(), timestamp, body));
        }
        return request.build();
    }

    private void count(String name, NotificationChannel channel, String event) {
        counter(name, channel, event).increment();
    }

    private Counter counter(String name, NotificationChannel channel, String event) {
        return Counter.builder(name)
                .tag("channel", channel.name())
                .tag("type", channel.type().name().toLowerCase(Locale.ROOT))
                .tag("event", event)
                .register(metrics);
    }
}
