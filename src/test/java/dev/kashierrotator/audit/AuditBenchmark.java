package dev.kashierrotator.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kashierrotator.config.RotatorConfig;
import dev.kashierrotator.testing.ConfigMappings;
import dev.kashierrotator.testing.OpenBao;
import dev.kashierrotator.vault.VaultKv;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.PropertiesConfigSource;
import java.time.Instant;
import java.util.Map;

/**
 * Benchmark (not a test): the audit trail on a real OpenBao dev server (installed by the build). Appends
 * N events one by one, as changes do (each waits until it is stored), then walks the chain with verify
 * and reads the newest 100. Run: {@code ./mvnw -Pbench -q test-compile exec:exec
 * -Dbench.main=dev.kashierrotator.audit.AuditBenchmark -Dbench.args=2000}.
 */
public final class AuditBenchmark {

    private AuditBenchmark() {}

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        OpenBao bao = OpenBao.get();
        RotatorConfig config = ConfigMappings.rotator(new PropertiesConfigSource(
                Map.of(
                        "rotator.vault.address",
                        bao.address(),
                        "rotator.vault.token",
                        bao.rootToken(),
                        "rotator.vault.state-prefix",
                        "bench-" + System.nanoTime()),
                "bench",
                100));
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        ObjectMapper json = new ObjectMapper();
        AuditTrail trail = new AuditTrail(
                new VaultKv(config, json, metrics, java.time.Clock.systemUTC()),
                json,
                config,
                metrics,
                java.time.Clock.systemUTC(),
                new dev.kashierrotator.util.Threads());
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            trail.record(
                    new AuditEvent(
                            0,
                            Instant.now().toString(),
                            "bench",
                            "rotation.create",
                            "key-" + (i % 50),
                            "rot-bench-" + i,
                            "accepted",
                            202,
                            "10.0.0.7",
                            "POST /api/v1/keys/key-" + (i % 50) + "/rotations",
                            null,
                            null),
                    true);
        }
        long appended = System.nanoTime() - t0;
        long t1 = System.nanoTime();
        AuditTrail.Verification v = trail.verify();
        long verified = System.nanoTime() - t1;
        long t2 = System.nanoTime();
        int listed = trail.recent(100, e -> true).size();
        long recent = System.nanoTime() - t2;
        System.out.printf(
                "audit trail on OpenBao: %d appends in %.1f s (%.1f ms each, %.0f/s); verify of %d events: "
                        + "%.2f s (intact: %s, %.2f ms per event); newest %d: %.0f ms%n",
                n,
                appended / 1e9,
                appended / 1e6 / n,
                n / (appended / 1e9),
                v.eventsChecked(),
                verified / 1e9,
                v.intact(),
                verified / 1e6 / Math.max(1, v.eventsChecked()),
                listed,
                recent / 1e6);
        bao.kill();
        System.exit(0);
    }
}
