package dev.kashierrotator.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An OIDC provider's two endpoints as a public client with PKCE meets them (RFC 6749 and RFC 7636): the
 * authorization endpoint signs the user in at once and redirects back with a code; the token endpoint takes
 * the code once, only with the verifier whose S256 challenge came with it and the same redirect URI and
 * client, and answers an access token signed by the test issuer ({@link TestJwt}). It allows the console's
 * origin (CORS), as a provider configured for a browser client does. What it refused is kept for the test.
 */
public final class OidcProvider implements AutoCloseable {

    public static final String CLIENT_ID = "kkr-console";

    private record Grant(String challenge, String redirectUri, String clientId) {}

    private final HttpServer server;
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    private final List<String> refused = new CopyOnWriteArrayList<>();
    private volatile String role = "oncall";

    public OidcProvider() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/authorize", this::authorize);
        server.createContext("/token", this::token);
        server.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The role claim the next tokens carry. */
    public void role(String r) {
        role = r;
    }

    /** Requests it refused, with why. */
    public List<String> refused() {
        return refused;
    }

    private void authorize(HttpExchange e) throws IOException {
        Map<String, String> q = form(e.getRequestURI().getRawQuery());
        if (!"code".equals(q.get("response_type"))
                || !CLIENT_ID.equals(q.get("client_id"))
                || !"S256".equals(q.get("code_challenge_method"))
                || q.get("code_challenge") == null
                || q.get("state") == null
                || q.get("redirect_uri") == null) {
            refused.add("authorize: " + q.keySet());
            reply(e, 400, "text/plain", "invalid_request");
            return;
        }
        String code = UUID.randomUUID().toString();
        codes.put(code, new Grant(q.get("code_challenge"), q.get("redirect_uri"), q.get("client_id")));
        e.getResponseHeaders()
                .add(
                        "Location",
                        q.get("redirect_uri") + "?code=" + code + "&state="
                                + java.net.URLEncoder.encode(q.get("state"), StandardCharsets.UTF_8));
        e.sendResponseHeaders(302, -1);
        e.close();
    }

    private void token(HttpExchange e) throws IOException {
        String origin = e.getRequestHeaders().getFirst("Origin");
        if (origin != null) {
            e.getResponseHeaders().add("Access-Control-Allow-Origin", origin);
        }
        Map<String, String> f = form(new String(e.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        Grant g = f.get("code") == null ? null : codes.remove(f.get("code"));
        if (g == null
                || !"authorization_code".equals(f.get("grant_type"))
                || !g.clientId().equals(f.get("client_id"))
                || !g.redirectUri().equals(f.get("redirect_uri"))
                || f.get("code_verifier") == null
                || !g.challenge().equals(s256(f.get("code_verifier")))) {
            refused.add("token: " + (g == null ? "unknown or used code" : "verifier, client or redirect URI"));
            reply(e, 400, "application/json", "{\"error\":\"invalid_grant\"}");
            return;
        }
        String jwt = TestJwt.sign(
                TestJwt.claims("3f9a-dina").claim("preferred_username", "dina").claim("rotator_role", role));
        reply(
                e,
                200,
                "application/json",
                "{\"access_token\":\"" + jwt + "\",\"token_type\":\"Bearer\",\"expires_in\":300}");
    }

    private static String s256(String verifier) {
        try {
            return Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(
                            MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static Map<String, String> form(String raw) {
        Map<String, String> m = new HashMap<>();
        if (raw == null) {
            return m;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                m.put(
                        URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    private static void reply(HttpExchange e, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        e.getResponseHeaders().add("Content-Type", type);
        e.sendResponseHeaders(status, b.length);
        e.getResponseBody().write(b);
        e.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
