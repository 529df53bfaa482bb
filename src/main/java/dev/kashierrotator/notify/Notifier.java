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
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends notices to the configured channels (docs/notifications.md). {@link #announce} only queues: a
 * channel that is slow, down or refusing never holds up or fails a rotation. Each send is tried up to the
 * channel's {@code attempts}, with pauses doubling from its {@code backoff}; then it is dropped and counted.
 * The queue is bounded: past it, notices are dropped and counted too, not kept in memory without end. What
 * is logged names the channel and the answer's status, never its URL, routing key or signing secret.
 */
@ApplicationScoped
public class Notifier implements Announcements {

    /** Notices waiting to be sent or retried, across channels. */
    static final int QUEUE = 1000;

    private final List<NotificationChannel> channels;
    private final HttpClient http;
    private final Payloads payloads;
    private final ObjectMapper json;
    private final MeterRegistry metrics;
    private final ScheduledThreadPoolExecutor sender;
    private final AtomicInteger queued = new AtomicInteger();

    public Notifier(
            Inventory inventory, HttpClient http, ObjectMapper json, RotatorConfig config, MeterRegistry metrics) {
        this.channels = inventory.channels();
        this.http = http;
        this.json = json;
        this.metrics = metrics;
        this.payloads = new Payloads(json, config.publicUrl());
        this.sender = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "notifier");
            t.setDaemon(true);
            return t;
        });
        sender.setRemoveOnCancelPolicy(true);
        metrics.gauge("rotator.notifications.queued", queued);
    }

    void shutdown(@Observes ShutdownEvent event) {
        sender.shutdownNow();
    }

    @Override
    public void announce(Notice notice) {
        Mode mode = notice.mode() == null ? null : Mode.of(notice.mode()).orElse(null);
        for (NotificationChannel channel : channels) {
            if (!channel.takes(notice.event(), mode, notice.keyId())) {
                continue;
            }
            if (queued.incrementAndGet() > QUEUE) {
                queued.decrementAndGet();
                dropped(channel, notice, "queue full");
                continue;
            }
            try {
                sender.execute(() -> send(channel, notice, 1));
            } catch (RejectedExecutionException e) {
                // Shutting down; whatever happens here must not reach the rotation that announced.
                queued.decrementAndGet();
                dropped(channel, notice, "shutting down");
            }
        }
    }

    /** One try, asynchronous: a channel that hangs holds no thread, only its own try, until its timeout. */
    private void send(NotificationChannel channel, Notice notice, int attempt) {
        HttpRequest request;
        try {
            request = request(channel, notice);
        } catch (JsonProcessingException e) {
            queued.decrementAndGet();
            dropped(channel, notice, "not serialisable: " + e.getClass().getSimpleName());
            return;
        }
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((answer, failure) -> {
            if (failure == null && answer.statusCode() / 100 == 2) {
                queued.decrementAndGet();
                count("rotator.notifications.sent", channel, notice.event());
                Log.debugf("notification %s sent to channel %s", notice.event(), channel.name());
                return;
            }
            // An exception's message may carry the URL (a Slack URL is a secret): only its kind is told.
            String outcome = failure == null
                    ? "HTTP " + answer.statusCode()
                    : (failure.getCause() != null ? failure.getCause() : failure)
                            .getClass()
                            .getSimpleName();
            failed(channel, notice, attempt, outcome);
        });
    }

    private void failed(NotificationChannel channel, Notice notice, int attempt, String outcome) {
        count("rotator.notifications.failed", channel, notice.event());
        if (attempt >= channel.attempts()) {
            queued.decrementAndGet();
            dropped(channel, notice, "gave up after " + attempt + " tries, last: " + outcome);
            return;
        }
        Duration pause = channel.backoff().multipliedBy(1L << Math.min(attempt - 1, 10));
        Log.warnf(
                "notification %s to channel %s: try %d failed (%s); again in %d ms",
                notice.event(), channel.name(), attempt, outcome, pause.toMillis());
        try {
            sender.schedule(() -> send(channel, notice, attempt + 1), pause.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // Shutting down: what was not sent is lost with the process.
            queued.decrementAndGet();
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
            String timestamp = Long.toString(Instant.now().getEpochSecond());
            request.header("X-Rotator-Event", "notification." + notice.event())
                    .header("X-Rotator-Delivery", notice.id())
                    .header(
                            "X-Rotator-Signature",
                            Signatures.header(channel.secret().orElseThrow(), timestamp, body));
        }
        return request.build();
    }

    private void dropped(NotificationChannel channel, Notice notice, String why) {
        count("rotator.notifications.dropped", channel, notice.event());
        Log.errorf("notification %s (%s) to channel %s dropped: %s", notice.event(), notice.id(), channel.name(), why);
    }

    private void count(String name, NotificationChannel channel, String event) {
        Counter.builder(name)
                .tag("channel", channel.name())
                .tag("type", channel.type().name().toLowerCase(java.util.Locale.ROOT))
                .tag("event", event)
                .register(metrics)
                .increment();
    }

    /** For tests: sends waiting or scheduled. */
    int pending() {
        return queued.get();
    }
}
