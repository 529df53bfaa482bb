package dev.kashierrotator.schedule;

import dev.kashierrotator.rotation.RotationEngine;
import dev.kashierrotator.vault.VaultUnavailableException;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

/** Periodically takes over unfinished rotations whose replica stopped renewing its lease. */
@ApplicationScoped
public class ResumeTick {

    private final RotationEngine engine;

    public ResumeTick(RotationEngine engine) {
        this.engine = engine;
    }

    @Scheduled(
            every = "{rotator.engine.resume-interval}",
            delayed = "{rotator.engine.resume-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void resume() {
        try {
            engine.resumeUnfinished();
        } catch (VaultUnavailableException e) {
            Log.warnf("looking for unfinished rotations: %s", e.getMessage());
        }
    }
}
