// Reference receiver of Kashier Key Rotator's webhook protocol (docs/webhook-protocol.md), Java 11+, JDK
// only. Copy it, or copy verify() and fingerprint() into your service. Run it as it is:
//
//   java RotatorWebhook.java --port 9001 --secret "$SIGNING_SECRET"
//
// serves POST /rotation (deliveries) and GET /rotation/fingerprints (the verify-url). Keys are kept in
// memory only, never printed.

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public class RotatorWebhook {

    static final long TOLERANCE_SECONDS = 300;

    /** Whether X-Rotator-Signature is valid for this raw body: right HMAC, timestamp within 5 minutes. */
    static boolean verify(String secret, String header, byte[] body, long nowSeconds) {
        if (header == null) {
            return false;
        }
        String t = null;
        String v1 = null;
        for (String part : header.split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length == 2 && kv[0].equals("t")) {
                t = kv[1];
            } else if (kv.length == 2 && kv[0].equals("v1")) {
                v1 = kv[1];
            }
        }
        if (t == null || v1 == null || !t.matches("[0-9]{1,12}")) {
            return false;
        }
        if (Math.abs(nowSeconds - Long.parseLong(t)) > TOLERANCE_SECONDS) {
            return false;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((t + ".").getBytes(StandardCharsets.UTF_8));
            byte[] expected = HexFormat.of().formatHex(mac.doFinal(body)).getBytes(StandardCharsets.US_ASCII);
            return MessageDigest.isEqual(expected, v1.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first 16 lowercase hex characters of SHA-256 over the key's UTF-8 bytes. */
    static String fingerprint(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final Map<String, String> CURRENT = new ConcurrentHashMap<>();
    private static final Map<String, String> PREVIOUS = new ConcurrentHashMap<>();
    private static final Set<String> SEEN = ConcurrentHashMap.newKeySet();

    /** A string field of a flat JSON object (enough for this body; use your JSON library instead). */
    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    private static synchronized int deliver(String secret, HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        if (!verify(secret, ex.getRequestHeaders().getFirst("X-Rotator-Signature"), body,
                System.currentTimeMillis() / 1000)) {
            return 401;
        }
        String delivery = ex.getRequestHeaders().getFirst("X-Rotator-Delivery");
        if (SEEN.contains(delivery)) {
            return 200; // a retry of a delivery already applied
        }
        String json = new String(body, StandardCharsets.UTF_8);
        String key = field(json, "key");
        if (key == null) {
            return 422; // reference delivery: fetch it from "vault" with your own Vault policy
        }
        String keyId = field(json, "keyId");
        String old = CURRENT.put(keyId, key);
        String previous = field(json, "previousKey");
        if (field(json, "graceUntil") != null && (previous != null || old != null)) {
            PREVIOUS.put(keyId, previous != null ? previous : old);
        } else {
            PREVIOUS.remove(keyId);
        }
        SEEN.add(delivery);
        return 200;
    }

    /** 200 with the fingerprints of the keys in use: {"keys": {"<keyId>": "<fingerprint>"}}. */
    static void answerFingerprints(HttpExchange ex) throws IOException {
        StringBuilder out = new StringBuilder("{\"keys\":{");
        CURRENT.forEach((id, key) -> out.append(out.length() > 9 ? "," : "").append('"').append(id)
                .append("\":\"").append(fingerprint(key)).append('"'));
        byte[] bytes = out.append("}}").toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[java.util.Arrays.asList(args).indexOf("--port") + 1]);
        String secret = args[java.util.Arrays.asList(args).indexOf("--secret") + 1];
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/rotation", ex -> {
            try (ex) {
                String path = ex.getRequestURI().getPath();
                if (ex.getRequestMethod().equals("GET") && path.equals("/rotation/fingerprints")) {
                    answerFingerprints(ex);
                } else if (ex.getRequestMethod().equals("POST") && path.equals("/rotation")) {
                    int status = deliver(secret, ex);
                    if (status == 200) {
                        // The verify body in the answer: the rotator then needs no verify call.
                        answerFingerprints(ex);
                    } else {
                        ex.sendResponseHeaders(status, -1);
                    }
                } else {
                    ex.sendResponseHeaders(404, -1);
                }
            }
        });
        server.start();
    }
}
