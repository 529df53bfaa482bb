package dev.kashierrotator.kkr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.kashierrotator.util.Loopback;
import dev.kashierrotator.util.Printable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

/**
 * The service's REST API as kkr calls it: the token in a header only, https unless the service is on this
 * machine, a private CA when given. A refusal becomes a {@link Failure} with the problem's title and detail;
 * a connection that fails, or a 5xx, becomes "unreachable".
 */
final class Api {

    static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String token;
    private final HttpClient http;

    Api(String url, String token, Path caFile) {
        URI u;
        try {
            u = URI.create(url.replaceAll("/+$", ""));
        } catch (IllegalArgumentException e) {
            throw Failure.usage("--url: '" + url + "' is not a URL");
        }
        if (u.getHost() == null || !("https".equals(u.getScheme()) || "http".equals(u.getScheme()))) {
            throw Failure.usage("--url: '" + url + "' is not an http(s) URL");
        }
        if ("http".equals(u.getScheme()) && !Loopback.host(u.getHost())) {
            throw Failure.usage("--url: " + url + " is plain http: a token travels to it; use https (plain http "
                    + "only to this machine)");
        }
        this.base = u;
        this.token = token;
        HttpClient.Builder b = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER);
        if (caFile != null) {
            b.sslContext(trusting(caFile));
        }
        this.http = b.build();
    }

    URI base() {
        return base;
    }

    JsonNode get(String path) {
        return call(HttpRequest.newBuilder(base.resolve(path)).GET(), path);
    }

    JsonNode post(String path, Object body) {
        String json;
        try {
            json = JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return call(
                HttpRequest.newBuilder(base.resolve(path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json)),
                path);
    }

    /** The lines of an event stream, as they come; ends when the service ends the stream. */
    Stream<String> events(String path, String lastEventId) {
        HttpRequest.Builder r = HttpRequest.newBuilder(base.resolve(path))
                .header("Authorization", "Bearer " + token)
                .header("Accept", "text/event-stream");
        if (lastEventId != null) {
            r.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<Stream<String>> res = send(r.GET().build(), HttpResponse.BodyHandlers.ofLines(), path);
        if (res.statusCode() / 100 != 2) {
            String body = String.join("\n", res.body().toList());
            throw refusal(res.statusCode(), body);
        }
        return res.body();
    }

    private JsonNode call(HttpRequest.Builder r, String path) {
        HttpRequest request = r.header("Authorization", "Bearer " + token)
                .header("Accept", "application/json")
                .timeout(Duration.ofSeconds(30))
                .build();
        HttpResponse<String> res = send(request, HttpResponse.BodyHandlers.ofString(), path);
        if (res.statusCode() / 100 != 2) {
            throw refusal(res.statusCode(), res.body());
        }
        try {
            return res.body().isEmpty() ? JSON.nullNode() : parse(res.body());
        } catch (IOException e) {
            throw new Failure(Failure.UNREACHABLE, "the service answered " + path + " with something not JSON");
        }
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler, String path) {
        try {
            return http.send(request, handler);
        } catch (SSLHandshakeException e) {
            throw new Failure(
                    Failure.UNREACHABLE,
                    "cannot reach " + base + ": its certificate is not trusted (a private CA? give it with --ca-file)");
        } catch (java.net.ConnectException e) {
            throw new Failure(Failure.UNREACHABLE, "cannot reach " + base + ": nothing answers there (connection refused)");
        } catch (java.net.http.HttpConnectTimeoutException e) {
            throw new Failure(Failure.UNREACHABLE, "cannot reach " + base + ": the connection timed out");
        } catch (IOException e) {
            throw new Failure(
                    Failure.UNREACHABLE,
                    "cannot reach " + base + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(Failure.UNREACHABLE, "interrupted");
        }
    }

    /** The problem's title and detail (and the fields it names); never the request. */
    private Failure refusal(int status, String body) {
        String text = "HTTP " + status;
        try {
            JsonNode p = parse(body);
            StringBuilder s = new StringBuilder(p.path("title").asText("HTTP " + status));
            if (!p.path("detail").asText().isEmpty()) {
                s.append(": ").append(p.path("detail").asText());
            }
            for (JsonNode e : p.path("errors")) {
                String named = e.path("field").asText() + ": " + e.path("message").asText();
                // A problem about one field says it in its detail too: once is enough.
                if (!p.path("detail").asText().contains(named)) {
                    s.append("; ").append(named);
                }
            }
            text = s.toString();
        } catch (IOException | RuntimeException e) {
            // Not a problem document: the status says it.
        }
        if (status == 401) {
            return new Failure(Failure.UNAUTHORIZED, text + "; " + tokenHint());
        }
        return new Failure(status >= 500 ? Failure.UNREACHABLE : Failure.REFUSED, text, status);
    }

    /**
     * JSON from the service, with every control character in its strings and names replaced: whatever a
     * caller managed to put into the service (a request path in the audit trail, a reason, a display name)
     * is printed as text, never acted on by the terminal.
     */
    static JsonNode parse(String json) throws IOException {
        return printable(JSON.readTree(json));
    }

    private static JsonNode printable(JsonNode node) {
        if (node.isTextual()) {
            return TextNode.valueOf(Printable.text(node.asText()));
        }
        if (node.isArray()) {
            ArrayNode a = JSON.createArrayNode();
            node.forEach(n -> a.add(printable(n)));
            return a;
        }
        if (node.isObject()) {
            ObjectNode o = JSON.createObjectNode();
            node.fields().forEachRemaining(e -> o.set(Printable.line(e.getKey()), printable(e.getValue())));
            return o;
        }
        return node;
    }

    /**
     * Why a token may have been refused, as far as kkr can tell without trusting it: a JWT's own expiry is
     * read (not verified; the service did that) so that the commonest cause is named.
     */
    private String tokenHint() {
        String again = "sign in again with 'kkr login --url " + base + "'";
        Optional<Instant> expiry = expiry(token);
        if (expiry.isPresent() && expiry.get().isBefore(Instant.now())) {
            return "the token expired at " + expiry.get() + ": get a fresh one and " + again;
        }
        return "check KKR_TOKEN or the token file, or " + again;
    }

    /** The {@code exp} claim of a JWT; empty for any other token. */
    static Optional<Instant> expiry(String token) {
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            JsonNode exp = JSON.readTree(Base64.getUrlDecoder().decode(parts[1])).path("exp");
            return exp.canConvertToLong() ? Optional.of(Instant.ofEpochSecond(exp.asLong())) : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static SSLContext trusting(Path caFile) {
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + n++, cert);
            }
            if (n == 0) {
                throw Failure.usage("--ca-file: " + caFile + " holds no PEM certificate");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException e) {
            throw Failure.usage("--ca-file: cannot read " + caFile);
        } catch (GeneralSecurityException e) {
            throw Failure.usage("--ca-file: " + caFile + " is not a PEM certificate (" + e.getMessage() + ")");
        }
    }
}
