package dev.kashierrotator.events;

import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.rotation.Claim;
import dev.kashierrotator.rotation.Rotation;
import dev.kashierrotator.rotation.RotationEngine;
import dev.kashierrotator.rotation.RotationStore;
import dev.kashierrotator.util.Threads;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Live changes of rotations, for the event streams. The record in Vault is the truth: whichever replica
 * serves a stream reads the records of the rotations someone watches, every {@code poll-interval}, and
 * turns each new version into changes ({@link RotationDiff}); one read per rotation serves every stream
 * watching it, and nothing is read while nobody watches. A stream of every rotation watches the ones that
 * hold a claim (running), and each once more after its claim goes, for its final state.
 *
 * <p>Bounded: at most {@code max-streams} streams, {@code max-streams-per-caller} per caller, each closed
 * after {@code max-duration} and when a client falls {@code max-behind} events behind; a client reconnects
 * with {@code Last-Event-ID} and gets what it missed.
 */
@ApplicationScoped
public class RotationFeed {

    /** The newest rotations a stream of every rotation starts with, besides the running ones. */
    static final int RECENT = 20;

    /** Where the changes of a stream go: the API's adapter over the client's connection. */
    public interface Sink {
        /** Sends the changes, in order; false when the client is gone or too far behind (the stream ends). */
        boolean send(List<Change> changes);

        /** Keeps the connection alive; false when the client is gone. */
        boolean heartbeat();

        /** Ends the stream (its time is up, or the service stops). */
        void close();
    }

    /** Too many streams open: try again later. */
    public static class TooManyStreams extends RuntimeException {
        private final boolean perCaller;

        TooManyStreams(String message, boolean perCaller) {
            super(message);
            this.perCaller = perCaller;
        }

        /** Whether it is this caller's own limit (else the service's). */
        public boolean perCaller() {
            return perCaller;
        }
    }

    /** One open stream. */
    private static final class Stream {
        final String caller;
        final String rotationId; // null: every rotation
        final Predicate<Rotation> visible;
        final Sink sink;
        final Instant until;
        /** The record version this stream has seen, per rotation. */
        final Map<String, Long> seen = new ConcurrentHashMap<>();

        Stream(String caller, String rotationId, Predicate<Rotation> visible, Sink sink, Instant until) {
            this.caller = caller;
            this.rotationId = rotationId;
            this.visible = visible;
            this.sink = sink;
            this.until = until;
        }

        boolean watches(Rotation r) {
            return rotationId == null ? visible.test(r) : rotationId.equals(r.id());
        }
    }

    private final RotationStore store;
    private final RotatorConfig.Events settings;
    private final Clock clock;
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    /** Places taken per caller, by open streams and by streams being opened; guarded by this. */
    private final Map<String, Integer> places = new HashMap<>();
    /** Places taken in all; guarded by this. */
    private int placesTaken;
    /** The last version read of each watched rotation (only the poller thread touches it). */
    private final Map<String, Rotation> last = new HashMap<>();
    /** Rotations running at the last poll: read once more after their claim goes. */
    private Set<String> running = Set.of();

    private final ScheduledExecutorService poller;
    private volatile Instant lastHeartbeat = Instant.EPOCH;

    public RotationFeed(
            RotationStore store, RotatorConfig config, Clock clock, MeterRegistry metrics, Threads threads) {
        this.store = store;
        this.poller = threads.scheduler("rotation-feed", 1);
        this.settings = config.events();
        this.clock = clock;
        long every = settings.pollInterval().toMillis();
        poller.scheduleWithFixedDelay(this::pollQuietly, every, every, TimeUnit.MILLISECONDS);
        metrics.gaugeCollectionSize("rotator.event.streams", List.of(), streams);
    }

    void shutdown(@Observes ShutdownEvent event) {
        poller.shutdownNow();
        streams.forEach(s -> s.sink.close());
        streams.clear();
    }

    /**
     * Opens a stream of one rotation's changes (or, {@code rotationId} null, of every rotation {@code visible}
     * lets through), starting after what the client has: the changes since {@code lastEventId} when the
     * record still has that version, else a snapshot of each rotation.
     *
     * @param notAfter when the caller's credential expires (null: never); the stream ends then at the latest
     * @throws TooManyStreams past the service's or this caller's limit
     */
    public void open(
            String caller,
            Instant notAfter,
            String rotationId,
            Predicate<Rotation> visible,
            String lastEventId,
            Sink sink) {
        // The place is taken before Vault is read: parallel opens cannot all pass a count made before any of
        // them joined (edges review M4).
        reserve(caller);
        boolean joined = false;
        try {
            Instant until = clock.instant().plus(settings.maxDuration());
            // A stream keeps its caller's role from when it opened: it must not outlive the credential.
            if (notAfter != null && notAfter.isBefore(until)) {
                until = notAfter;
            }
            joined = join(new Stream(caller, rotationId, visible, sink, until), lastEventId);
        } finally {
            if (!joined) {
                release(caller);
            }
        }
    }

    /** Takes a place for the caller's stream, or refuses past either limit; every place is released once. */
    private synchronized void reserve(String caller) {
        int mine = places.getOrDefault(caller, 0);
        if (mine >= settings.maxStreamsPerCaller()) {
            throw new TooManyStreams(
                    caller + " has " + mine + " streams open (rotator.events.max-streams-per-caller)", true);
        }
        if (placesTaken >= settings.maxStreams()) {
            throw new TooManyStreams(
                    "the service has " + placesTaken + " streams open (rotator.events.max-streams)", false);
        }
        places.put(caller, mine + 1);
        placesTaken++;
    }

    private synchronized void release(String caller) {
        places.computeIfPresent(caller, (k, n) -> n <= 1 ? null : n - 1);
        placesTaken--;
    }

    /** Ends a stream: its place is free at once. */
    private void end(Stream s, boolean close) {
        if (streams.remove(s)) {
            release(s.caller);
        }
        if (close) {
            s.sink.close();
        }
    }

    /** Sends the start of a stream and adds it to the poller's; false when it ended at once. */
    private boolean join(Stream stream, String lastEventId) {
        String rotationId = stream.rotationId;
        Sink sink = stream.sink;
        Position from = Position.parse(lastEventId);
        List<Change> start = new ArrayList<>();
        for (Rotation r : startingSet(rotationId, stream.visible, from)) {
            start.addAll(catchUp(r, from));
            stream.seen.put(r.id(), r.storeVersion());
        }
        // Sent before the stream joins the poller's, so the two never write to the client at once; what
        // changes meanwhile reaches it at the next poll, which compares versions.
        if (!start.isEmpty() && !sink.send(start)) {
            return false;
        }
        if (rotationId != null
                && start.stream().anyMatch(c -> c.rotation().state().isFinal())) {
            sink.close();
            return false;
        }
        streams.add(stream);
        return true;
    }

    /** The rotations a new stream starts with. */
    private List<Rotation> startingSet(String rotationId, Predicate<Rotation> visible, Position from) {
        if (rotationId != null) {
            return store.get(rotationId).stream().toList();
        }
        // Running ones, and the newest: a client that was away sees how the ones it knew ended.
        Set<String> ids = new HashSet<>();
        store.claims().stream().map(Claim::rotationId).forEach(ids::add);
        store.ids().stream().limit(RECENT).forEach(ids::add);
        from.rotationId().ifPresent(ids::add);
        List<Rotation> found = new ArrayList<>();
        for (String id : ids) {
            store.get(id).filter(visible).ifPresent(found::add);
        }
        found.sort((a, b) -> a.id().compareTo(b.id()));
        return found;
    }

    /** What a client at {@code from} is missing of this rotation. */
    private List<Change> catchUp(Rotation now, Position from) {
        if (from.complete() && from.rotationId().filter(now.id()::equals).isPresent()) {
            if (from.version() == now.storeVersion()) {
                return List.of();
            }
            Optional<Rotation> then = store.get(now.id(), from.version());
            if (then.isPresent()) {
                return RotationDiff.between(then.get(), now);
            }
        }
        return List.of(new Change.Snapshot(now, now.storeVersion(), true));
    }

    private void pollQuietly() {
        try {
            poll();
        } catch (RuntimeException e) {
            // Vault unavailable, say: the next poll tries again; streams keep their place.
            Log.debugf("rotation feed: poll failed (%s)", e.getMessage());
        }
    }

    /** One pass: reads what is watched, sends what changed, ends streams whose time is up. */
    void poll() {
        Instant now = clock.instant();
        for (Stream s : streams) {
            if (now.isAfter(s.until)) {
                end(s, true);
            }
        }
        if (streams.isEmpty()) {
            last.clear();
            running = Set.of();
            return;
        }
        Set<String> watched = new HashSet<>();
        boolean everything = false;
        for (Stream s : streams) {
            if (s.rotationId == null) {
                everything = true;
            } else {
                watched.add(s.rotationId);
            }
        }
        if (everything) {
            Set<String> claimed = new HashSet<>();
            store.claims().stream().map(Claim::rotationId).forEach(claimed::add);
            watched.addAll(claimed);
            watched.addAll(running);
            running = claimed;
        } else {
            running = Set.of();
        }
        last.keySet().retainAll(watched);
        for (String id : watched) {
            Optional<Rotation> read = store.get(id);
            if (read.isEmpty()) {
                continue;
            }
            Rotation r = read.get();
            Rotation before = last.get(id);
            boolean changed = before == null || before.storeVersion() != r.storeVersion();
            last.put(id, r);
            List<Change> changes = changed ? RotationDiff.between(before, r) : List.of();
            for (Stream s : streams) {
                if (s.watches(r)) {
                    deliver(s, r, changed ? before : null, changes);
                }
            }
            if (r.state().isFinal() && !running.contains(id)) {
                // Its final version is out: nobody needs it read again.
                last.remove(id);
            }
        }
        if (now.isAfter(lastHeartbeat.plus(settings.heartbeat()))) {
            lastHeartbeat = now;
            for (Stream s : streams) {
                if (!s.sink.heartbeat()) {
                    end(s, false);
                }
            }
        }
    }

    /** Sends a stream the changes it is missing: the diff, when it had the version before, else a snapshot. */
    private void deliver(Stream s, Rotation r, Rotation before, List<Change> changes) {
        Long seen = s.seen.get(r.id());
        List<Change> send;
        if (seen != null && seen >= r.storeVersion()) {
            return;
        } else if (seen != null && before != null && seen == before.storeVersion()) {
            send = changes;
        } else {
            send = List.of(new Change.Snapshot(r, r.storeVersion(), true));
        }
        s.seen.put(r.id(), r.storeVersion());
        if (!s.sink.send(send)) {
            end(s, true);
        } else if (s.rotationId != null && r.state().isFinal()) {
            // The rotation ended and the client has its final state: nothing more will come.
            end(s, true);
        }
    }

    /** How many streams are open. */
    public int open() {
        return streams.size();
    }

    /**
     * Where a client is, from its {@code Last-Event-ID}: {@code <rotationId>@<version>} when it saw every change
     * of that version, {@code <rotationId>@<version>.<n>} when it saw only some.
     */
    record Position(Optional<String> rotationId, long version, boolean complete) {

        static final Position NONE = new Position(Optional.empty(), 0, false);

        static Position parse(String lastEventId) {
            if (lastEventId == null) {
                return NONE;
            }
            int at = lastEventId.lastIndexOf('@');
            // Anything but a rotation id's shape is ignored (a snapshot instead): the id becomes a Vault path.
            if (at <= 0 || !RotationEngine.isRotationId(lastEventId.substring(0, at))) {
                return NONE;
            }
            String version = lastEventId.substring(at + 1);
            boolean complete = !version.contains(".");
            try {
                long v = Long.parseLong(complete ? version : version.substring(0, version.indexOf('.')));
                return new Position(Optional.of(lastEventId.substring(0, at)), v, complete);
            } catch (NumberFormatException e) {
                return NONE;
            }
        }
    }

    /** The id of a change, as sent in the stream. */
    public static String eventId(Change c, int index) {
        return c.rotation().id() + "@" + c.version() + (c.last() ? "" : "." + index);
    }
}
