package dev.kashierrotator.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A peer that misbehaves at the socket level, the way a hung proxy or a stuck process does, on a free
 * loopback port. Requests whose first line matches the misbehaving method get the misbehaviour; others
 * a plain {@code 200} with an empty JSON object. It counts connections still open, so a test can check
 * the service closed them.
 */
public final class HostileServer {

    /** What the peer does to a matching request. */
    public enum Behaviour {
        /** {@code 200} headers with a Content-Length, then never the body. */
        STALL_AFTER_HEADERS,
        /** {@code 200} headers, then one body byte a second. */
        DRIP,
        /** Accepts the connection and never says anything (a TLS client waits for the server hello forever). */
        SILENT,
        /** Accepts, reads the request, then resets the connection. */
        RESET,
        /** {@code 200} with a 1 GB body, streamed for as long as the client reads. */
        HUGE_BODY,
        /** A complete {@code 200}, but only after {@link #lateBy}. */
        LATE
    }

    private final ServerSocket server;
    private final Behaviour behaviour;
    private final String method;
    private final Duration lateBy;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger hits = new AtomicInteger();

    private HostileServer(Behaviour behaviour, String method, Duration lateBy) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.behaviour = behaviour;
        this.method = method;
        this.lateBy = lateBy;
        Thread accept = new Thread(this::acceptLoop, "hostile-" + behaviour);
        accept.setDaemon(true);
        accept.start();
    }

    private static final java.util.Map<String, HostileServer> NAMED = new ConcurrentHashMap<>();

    /** Stops every named one (a test world's end, as {@link Dependents#stopAll()}). */
    public static void stopAllNamed() {
        NAMED.values().removeIf(h -> {
            h.close();
            return true;
        });
    }

    /** The one of that name, started on first use (they live as long as the test world, like the dependents). */
    public static HostileServer named(String name, Behaviour behaviour, String method, Duration lateBy) {
        return NAMED.computeIfAbsent(name, n -> start(behaviour, method, lateBy));
    }

    public static HostileServer named(String name) {
        HostileServer h = NAMED.get(name);
        if (h == null) {
            throw new IllegalStateException("no hostile server " + name);
        }
        return h;
    }

    /**
     * Starts one.
     *
     * @param method the request method that gets the misbehaviour ({@code POST} for a delivery,
     *               {@code GET} for a verify poll), or null for every request
     */
    public static HostileServer start(Behaviour behaviour, String method, Duration lateBy) {
        try {
            return new HostileServer(behaviour, method, lateBy);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getLocalPort() + path;
    }

    public String httpsUrl(String path) {
        return "https://127.0.0.1:" + server.getLocalPort() + path;
    }

    /** Misbehaved-on connections the client has not closed yet. */
    public int openConnections() {
        open.removeIf(Socket::isClosed);
        return open.size();
    }

    /** Requests that got the misbehaviour. */
    public int hits() {
        return hits.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s), "hostile-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            if (behaviour == Behaviour.SILENT) {
                hit(s);
                // Read (and drop) whatever comes, answer nothing, until the client gives up.
                while (in.read() >= 0) {
                    // nothing
                }
                return;
            }
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                skipBody(in, head);
                if (method != null && !head.startsWith(method + " ")) {
                    write(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
                    continue;
                }
                hit(s);
                switch (behaviour) {
                    case STALL_AFTER_HEADERS -> {
                        write(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n");
                        waitForClose(in);
                        return;
                    }
                    case DRIP -> {
                        write(
                                out,
                                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
                        for (int i = 0; i < 100_000; i++) {
                            out.write(' ');
                            out.flush();
                            Thread.sleep(1_000);
                        }
                        return;
                    }
                    case RESET -> {
                        s.setSoLinger(true, 0);
                        return;
                    }
                    case HUGE_BODY -> {
                        write(
                                out,
                                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + (1L << 30)
                                        + "\r\n\r\n{\"keys\": {\"x\": \"");
                        byte[] chunk = new byte[64 * 1024];
                        java.util.Arrays.fill(chunk, (byte) 'a');
                        for (long sent = 0; sent < (1L << 30); sent += chunk.length) {
                            out.write(chunk);
                        }
                        return;
                    }
                    case LATE -> {
                        Thread.sleep(lateBy.toMillis());
                        write(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
                    }
                    default -> throw new IllegalStateException();
                }
            }
        } catch (SocketException e) {
            // The client hung up: what a bounded client does.
        } catch (IOException e) {
            // same
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(s);
        }
    }

    private void hit(Socket s) {
        hits.incrementAndGet();
        open.add(s);
    }

    private static void waitForClose(InputStream in) throws IOException {
        while (in.read() >= 0) {
            // nothing
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            b.append((char) c);
            if (b.length() >= 4 && b.substring(b.length() - 4).equals("\r\n\r\n")) {
                return b.toString();
            }
        }
        return null;
    }

    private static void skipBody(InputStream in, String head) throws IOException {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                long n = Long.parseLong(line.substring(15).trim());
                in.readNBytes((int) n);
            }
        }
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
