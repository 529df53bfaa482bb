package dev.kashierrotator.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A {@code text/event-stream} client as a browser's EventSource reads one (the WHATWG format: {@code id},
 * {@code event}, {@code data} lines, a blank line ends an event, {@code :} starts a comment), reading on its
 * own thread into a queue the test polls with a deadline.
 */
public final class SseClient implements AutoCloseable {

    /** One event as received. */
    public record Event(String id, String name, String data) {
        private static final ObjectMapper JSON = new ObjectMapper();

        public JsonNode json() {
            try {
                return JSON.readTree(data);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final Event END = new Event(null, "(end)", null);

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final List<Event> seen = new ArrayList<>();
    private final List<String> raw = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final CompletableFuture<HttpResponse<Stream<String>>> response;
    private volatile int comments;
    private volatile boolean ended;
    private volatile Stream<String> lines;

    /** Opens the stream; {@link #status()} says how the server answered. */
    public SseClient(String url, String token, String lastEventId) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header("Accept", "text/event-stream")
                .GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        response = HttpClient.newHttpClient().sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines());
        response.thenAccept(r -> {
            lines = r.body();
            Thread reader = new Thread(() -> read(r.body()), "sse-client");
            reader.setDaemon(true);
            reader.start();
        });
    }

    private void read(Stream<String> body) {
        String id = null;
        String name = "message";
        StringBuilder data = null;
        try {
            for (String line : (Iterable<String>) body::iterator) {
                raw.add(line);
                if (line.isEmpty()) {
                    if (data != null) {
                        events.add(new Event(id, name, data.toString()));
                    }
                    name = "message";
                    data = null;
                } else if (line.startsWith(":")) {
                    comments++;
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).strip();
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    String d = line.substring(5);
                    d = d.startsWith(" ") ? d.substring(1) : d;
                    data = data == null
                            ? new StringBuilder(d)
                            : data.append('\n').append(d);
                }
            }
        } catch (UncheckedIOException | IllegalStateException e) {
            // The connection went, or the test closed the client before this thread began to read: ended.
        }
        ended = true;
        events.add(END);
    }

    /** The HTTP status of the answer. */
    public int status() {
        return response.orTimeout(10, TimeUnit.SECONDS).join().statusCode();
    }

    /** The answer's body, for an answer that is not a stream (an error), once it has been read. */
    public String errorBody() {
        await().atMost(Duration.ofSeconds(10)).until(() -> ended);
        return String.join("\n", raw);
    }

    public String header(String name) {
        return response.join().headers().firstValue(name).orElse(null);
    }

    /** Events until one matches (included), within the deadline; fails if the stream ends first. */
    public List<Event> until(Predicate<Event> last, Duration within) throws InterruptedException {
        List<Event> got = new ArrayList<>();
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Event e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new AssertionError("no matching event within " + within + "; got " + got);
            }
            if (e == END) {
                events.add(END);
                throw new AssertionError("the stream ended before a matching event; got " + got);
            }
            got.add(e);
            seen.add(e);
            if (last.test(e)) {
                return got;
            }
        }
    }

    /** Every event until the server ends the stream, within the deadline. */
    public List<Event> toEnd(Duration within) throws InterruptedException {
        List<Event> got = new ArrayList<>();
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Event e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new AssertionError("the stream did not end within " + within + "; got " + got);
            }
            if (e == END) {
                events.add(END);
                return got;
            }
            got.add(e);
            seen.add(e);
        }
    }

    /** Comment lines (keep-alives) received so far. */
    public int comments() {
        return comments;
    }

    public boolean ended() {
        return ended;
    }

    @Override
    public void close() {
        response.cancel(true);
        Stream<String> l = lines;
        if (l != null) {
            l.close();
        }
    }
}
