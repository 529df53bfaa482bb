package dev.kashierrotator.kashier;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.kashierrotator.inventory.Mode;
import dev.kashierrotator.testing.HostileServer;
import dev.kashierrotator.util.HttpClientProducer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The probe fails closed: only 401 rejects a key and only 404 (or 2xx) accepts it. A WAF's 403, a rate
 * limit's 429, a redirect or a 400 say nothing about the key; taking them as "accepted" would store and
 * roll out a mistyped key. A Kashier that stalls is cut at the probe's bound.
 */
@Tag("fast")
class KashierProbeAnswersTest {

    private static final String KEY = "0123456789abcdef0123456789abcdef$" + "ab".repeat(48);
    /** The stall test's bound: the production one is 10 s, the cut is the same code at any length. */
    private static final Duration BOUND = Duration.ofSeconds(1);

    private static final AtomicInteger STATUS = new AtomicInteger();
    private static HttpServer kashier;
    private static KashierApiProbe probe;

    @BeforeAll
    static void start() throws IOException {
        kashier = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        kashier.createContext("/", exchange -> {
            int status = STATUS.get();
            if (status >= 300 && status < 400) {
                exchange.getResponseHeaders().add("Location", "https://elsewhere.example/login");
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        kashier.start();
        String base = "http://127.0.0.1:" + kashier.getAddress().getPort();
        probe = new KashierApiProbe(
                HttpClientProducer.builder().build(), base + "/test", base + "/live", KashierApiProbe.CALL_BOUND);
    }

    @AfterAll
    static void stop() {
        kashier.stop(0);
    }

    @Test
    void unauthorizedRejectsAndNotFoundAccepts() {
        STATUS.set(401);
        assertFalse(probe.acceptsSecretKey(Mode.TEST, KEY));
        STATUS.set(404);
        assertTrue(probe.acceptsSecretKey(Mode.TEST, KEY));
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {400, 403, 429, 302, 307, 500, 503})
    void anyOtherAnswerIsKashierUnavailableNotAVerdict(int status) {
        STATUS.set(status);
        KashierUnavailableException e =
                assertThrows(KashierUnavailableException.class, () -> probe.acceptsSecretKey(Mode.TEST, KEY));
        assertTrue(e.getMessage().contains("HTTP " + status) && !e.getMessage().contains(KEY), e.getMessage());
    }

    @Test
    void aKashierThatStallsAfterItsHeadersIsCutAtTheBound() {
        HostileServer stalling = HostileServer.start(HostileServer.Behaviour.STALL_AFTER_HEADERS, null, null);
        try {
            KashierApiProbe slow = new KashierApiProbe(
                    HttpClientProducer.builder().build(), stalling.url("/test"), stalling.url("/live"), BOUND);
            Instant start = Instant.now();
            KashierUnavailableException e =
                    assertThrows(KashierUnavailableException.class, () -> slow.acceptsSecretKey(Mode.TEST, KEY));
            Duration took = Duration.between(start, Instant.now());
            assertTrue(took.compareTo(BOUND.plusSeconds(5)) < 0, "cut after " + took);
            assertTrue(e.getMessage().contains("within"), e.getMessage());
        } finally {
            stalling.close();
        }
    }
}
