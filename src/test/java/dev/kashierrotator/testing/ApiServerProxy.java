package dev.kashierrotator.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.kashierrotator.util.TlsTrust;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * An HTTPS proxy in front of the real API server, for what cannot be timed from outside: it forwards every
 * request as it is (the caller's own token included) and, once, runs an action just before forwarding a
 * matching request, such as someone else writing the Secret between the service's read and its write, so
 * that the API server itself answers 409 Conflict. Watches and upgrades are not needed by the service and
 * not supported.
 */
public final class ApiServerProxy implements AutoCloseable {

    /** One request as it reaches the proxy. */
    public record Request(String method, String path) {}

    private static final Set<String> HOP = Set.of("host", "connection", "content-length", "expect", "upgrade");

    private final HttpsServer server;
    private final HttpClient upstream;
    private final String target;
    private final SelfSignedTls tls;
    private final AtomicReference<Interposed> armed = new AtomicReference<>();

    private record Interposed(Predicate<Request> when, Runnable action) {}

    private ApiServerProxy(KubeControlPlane kube) throws IOException {
        this.tls = SelfSignedTls.create("api-server-proxy");
        this.target = kube.server();
        this.upstream = HttpClient.newBuilder()
                .sslContext(TlsTrust.load(kube.caFile().toString()).orElseThrow())
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        this.server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls.server));
        server.setExecutor(Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "api-server-proxy");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::forward);
        server.start();
    }

    /** A proxy in front of this control plane's API server. */
    public static ApiServerProxy start(KubeControlPlane kube) {
        try {
            return new ApiServerProxy(kube);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Where clients reach the API server through the proxy. */
    public String url() {
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The CA clients of the proxy trust. */
    public Path caFile() {
        return tls.caPem.toAbsolutePath();
    }

    /** Runs {@code action} once, just before forwarding the next request that matches. */
    public void once(Predicate<Request> when, Runnable action) {
        armed.set(new Interposed(when, action));
    }

    /** Whether the armed action ran. */
    public boolean fired() {
        return armed.get() == null;
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            Request seen = new Request(
                    exchange.getRequestMethod(), exchange.getRequestURI().getPath());
            Interposed i = armed.get();
            if (i != null && i.when().test(seen) && armed.compareAndSet(i, null)) {
                i.action().run();
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
                    .timeout(Duration.ofSeconds(30))
                    .method(
                            seen.method(),
                            body.length == 0
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!HOP.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                    values.forEach(v -> r.header(name, v));
                }
            });
            HttpResponse<byte[]> res;
            try {
                res = upstream.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                exchange.sendResponseHeaders(502, -1);
                return;
            }
            res.headers().map().forEach((name, values) -> {
                if (!HOP.contains(name.toLowerCase(java.util.Locale.ROOT))
                        && !name.equalsIgnoreCase("transfer-encoding")
                        && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            exchange.sendResponseHeaders(res.statusCode(), res.body().length == 0 ? -1 : res.body().length);
            if (res.body().length > 0) {
                exchange.getResponseBody().write(res.body());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
