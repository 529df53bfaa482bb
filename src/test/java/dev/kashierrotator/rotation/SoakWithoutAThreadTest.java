package dev.kashierrotator.rotation;

import static dev.kashierrotator.testing.Api.asAdmin;
import static dev.kashierrotator.testing.Api.awaitRotation;
import static dev.kashierrotator.testing.Api.awaitState;
import static dev.kashierrotator.testing.Api.rotate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kashierrotator.sim.DemoDependent;
import dev.kashierrotator.testing.Dependents;
import dev.kashierrotator.testing.RotatorTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The soak between waves (30 s for this key) is kept, measured from the first wave's end in the record,
 * without a worker thread waiting it out: while it runs, no rotation thread is inside the rollout, and an
 * abort asked for meanwhile is acted on at once rather than when the soak ends.
 */
@QuarkusTest
@WithTestResource(value = RotatorTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class SoakWithoutAThreadTest {

    @Test
    void theSoakHoldsNoThreadAndAnAbortDuringItIsActedOnAtOnce() {
        DemoDependent first = Dependents.get("soak-first");
        DemoDependent second = Dependents.get("soak-second");
        String id = rotate("soak-pay", "soak without a thread");
        Response soaking = awaitRotation(id, 20, r -> {
            String detail = r.path("steps.find { it.name == 'ROLLOUT' }.detail");
            return detail != null && detail.contains("starts after the soak");
        });
        assertEquals("DONE", soaking.path("waves[0].state"));
        assertEquals("PENDING", soaking.path("waves[1].state"), "the second wave waits for the soak");
        String fresh = soaking.path("newFingerprint");
        assertEquals(fresh, first.fingerprint("soak-pay").orElseThrow());
        assertTrue(second.fingerprint("soak-pay").map(f -> !f.equals(fresh)).orElse(true));

        List<String> inRollout = Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().startsWith("rotation-"))
                .filter(e -> Arrays.stream(e.getValue())
                        .anyMatch(f -> f.getClassName().equals(Waves.class.getName())
                                || f.getClassName().contains("WaveRunner")))
                .map(e -> e.getKey().getName())
                .toList();
        assertEquals(List.of(), inRollout, "no rotation thread waits out the soak");

        Instant asked = Instant.now();
        asAdmin()
                .contentType("application/json")
                .body(Map.of("reason", "stop during the soak"))
                .post("/api/v1/rotations/" + id + "/abort")
                .then()
                .statusCode(202);
        Response aborted = awaitState(id, "ABORTED", 20);
        Duration took = Duration.between(asked, Instant.parse(aborted.path("updatedAt")));
        assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "aborted after " + took + ", not at the soak's end");
        assertTrue(
                first.fingerprint("soak-pay").map(f -> !f.equals(fresh)).orElse(false),
                "the first wave is back on the old key");
    }
}
