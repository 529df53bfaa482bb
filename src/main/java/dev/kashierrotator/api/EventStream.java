package dev.kashierrotator.api;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.events.Change;
import dev.kashierrotator.events.RotationFeed;
import dev.kashierrotator.rotation.AbortRequest;
import dev.kashierrotator.rotation.DependentState;
import dev.kashierrotator.rotation.OldKeyEnd;
import dev.kashierrotator.rotation.PersonWait;
import dev.kashierrotator.rotation.Rotation;
import dev.kashierrotator.rotation.StepState;
import dev.kashierrotator.rotation.Wave;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client's {@code text/event-stream} (docs/api.md, "Live progress"): each change of the feed as one event,
 * named for what changed ({@code rotation}, {@code state}, {@code step}, {@code wave}, {@code dependent}),
 * with an id the client sends back as {@code Last-Event-ID}, and JSON data in the API's own views. Sends do
 * not block: a client that does not take what it is sent, up to {@code max-behind} events, loses the stream.
 */
final class EventStream implements RotationFeed.Sink {

    /** A wave's state, with how many of its dependents confirmed or failed so far. */
    record WaveEvent(
            String rotationId,
            int index,
            StepState state,
            Instant startedAt,
            Instant endedAt,
            long confirmed,
            long failed,
            int total) {}

    /** The rotation-level fields that change as it runs: the record's own, and its changing value parts, flat. */
    record StateEvent(
            String rotationId,
            String keyId,
            String state,
            String error,
            String newFingerprint,
            @JsonUnwrapped PersonWait personWait,
            @JsonUnwrapped AbortRequest abort,
            @JsonUnwrapped OldKeyEnd oldKeyEnd,
            Instant updatedAt) {}

    record StepEvent(String rotationId, RotationView.StepView step) {}

    record DependentEvent(String rotationId, int wave, RotationView.DependentView dependent) {}

    private final SseEventSink sink;
    private final Sse sse;
    private final ObjectMapper json;
    private final int maxBehind;
    private final AtomicInteger unsent = new AtomicInteger();
    private final AtomicBoolean broken = new AtomicBoolean();

    EventStream(SseEventSink sink, Sse sse, ObjectMapper json, int maxBehind) {
        this.sink = sink;
        this.sse = sse;
        this.json = json;
        this.maxBehind = maxBehind;
    }

    @Override
    public synchronized boolean send(List<Change> changes) {
        for (int i = 0; i < changes.size(); i++) {
            if (broken.get() || sink.isClosed() || unsent.get() >= maxBehind) {
                return false;
            }
            Change c = changes.get(i);
            write(sse.newEventBuilder()
                    .id(RotationFeed.eventId(c, i))
                    .name(name(c))
                    .mediaType(MediaType.TEXT_PLAIN_TYPE)
                    .data(String.class, data(c))
                    .build());
        }
        return !broken.get();
    }

    @Override
    public synchronized boolean heartbeat() {
        if (broken.get() || sink.isClosed()) {
            return false;
        }
        write(sse.newEventBuilder().comment("keep-alive").build());
        return !broken.get();
    }

    @Override
    public synchronized void close() {
        if (!sink.isClosed()) {
            sink.close();
        }
    }

    private void write(OutboundSseEvent event) {
        unsent.incrementAndGet();
        sink.send(event).whenComplete((ok, failure) -> {
            unsent.decrementAndGet();
            if (failure != null) {
                broken.set(true);
            }
        });
    }

    private static String name(Change c) {
        if (c instanceof Change.Snapshot) {
            return "rotation";
        }
        if (c instanceof Change.State) {
            return "state";
        }
        if (c instanceof Change.Step) {
            return "step";
        }
        return c instanceof Change.Wave ? "wave" : "dependent";
    }

    private String data(Change c) {
        Object view;
        if (c instanceof Change.Snapshot s) {
            view = RotationView.of(s.rotation());
        } else if (c instanceof Change.State s) {
            view = state(s.rotation());
        } else if (c instanceof Change.Step s) {
            view = new StepEvent(s.rotation().id(), RotationView.StepView.of(s.step()));
        } else if (c instanceof Change.Wave w) {
            view = wave(w.rotation().id(), w.wave());
        } else {
            Change.Dependent d = (Change.Dependent) c;
            view = new DependentEvent(d.rotation().id(), d.wave(), RotationView.DependentView.of(d.dependent()));
        }
        try {
            return json.writeValueAsString(view);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "event not serialisable: " + e.getClass().getSimpleName(), e);
        }
    }

    private static StateEvent state(Rotation r) {
        return new StateEvent(
                r.id(),
                r.keyId(),
                r.state().name(),
                r.error(),
                r.newFingerprint(),
                r.personWait(),
                r.abort(),
                r.oldKeyEnd(),
                r.updatedAt());
    }

    private static WaveEvent wave(String rotationId, Wave w) {
        long confirmed = w.dependents().stream()
                .filter(d -> d.state() == DependentState.CONFIRMED)
                .count();
        long failed = w.dependents().stream()
                .filter(d -> d.state() == DependentState.FAILED || d.state() == DependentState.ROLLBACK_FAILED)
                .count();
        return new WaveEvent(
                rotationId,
                w.index(),
                w.state(),
                w.startedAt(),
                w.endedAt(),
                confirmed,
                failed,
                w.dependents().size());
    }
}
