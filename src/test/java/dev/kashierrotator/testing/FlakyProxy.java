package dev.kashierrotator.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on a free loopback port in front of a real server (OpenBao, say) that a test can cut off
 * or make stall, as a network partition or a hung load balancer would: one replica loses Vault while
 * the rest of the world (the test itself) still reaches it directly.
 */
public final class FlakyProxy {

    /** How the proxy treats connections. */
    public enum Mode {
        /** Forwards bytes both ways. */
        PASS,
        /** Accepts and closes at once, and closes every open connection: a partition. */
        CUT,
        /** Forwards the request and the answer's headers, then never the body: a hung peer mid-answer. */
        STALL_AFTER_HEADERS
    }

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile Mode mode = Mode.PASS;

    private FlakyProxy(int targetPort) throws IOException {
        this.server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
        Thread t = new Thread(this::acceptLoop, "flaky-proxy");
        t.setDaemon(true);
        t.start();
    }

    public static FlakyProxy to(int targetPort) {
        try {
            return new FlakyProxy(targetPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    public void mode(Mode m) {
        this.mode = m;
        if (m != Mode.PASS) {
            open.forEach(FlakyProxy::closeQuietly);
            open.clear();
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Mode now = mode;
                if (now == Mode.CUT) {
                    closeQuietly(client);
                    continue;
                }
                open.add(client);
                Socket upstream = new Socket();
                upstream.connect(target, 2_000);
                open.add(upstream);
                start(() -> pump(client, upstream, false));
                start(() -> pump(upstream, client, now == Mode.STALL_AFTER_HEADERS));
            } catch (IOException e) {
                // the next connection
            }
        }
    }

    private static void start(Runnable r) {
        Thread t = new Thread(r, "flaky-proxy-conn");
        t.setDaemon(true);
        t.start();
    }

    private void pump(Socket from, Socket to, boolean headersOnly) {
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            if (headersOnly) {
                // Byte by byte up to the blank line ending the headers, then nothing more, ever.
                int matched = 0;
                int c;
                while (matched < 4 && (c = in.read()) >= 0) {
                    out.write(c);
                    matched = (c == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (c == '\r' ? 1 : 0);
                }
                out.flush();
                while (in.read() >= 0) {
                    // swallowed
                }
                return;
            }
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // either side went away
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
