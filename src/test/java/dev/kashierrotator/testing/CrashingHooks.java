package dev.kashierrotator.testing;

import dev.kashierrotator.rotation.Rotation;
import dev.kashierrotator.rotation.RotationHooks;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stops a rotation dead at a chosen point, once, by throwing an {@link Error} that nothing in the engine
 * catches: what survives is only what was already written to Vault, as after {@code kill -9}.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class CrashingHooks extends RotationHooks {

    /** Where to crash: before or after a step, or during the rollout after a dependent's outcome. */
    public enum When {
        BEFORE,
        AFTER,
        DURING_ROLLOUT
    }

    /** One armed crash. */
    public record Point(String keyId, When when, String step) {}

    /** The process "died" here. */
    public static class SimulatedCrash extends Error {
        SimulatedCrash(String where) {
            super("simulated crash " + where);
        }
    }

    private final AtomicReference<Point> armed = new AtomicReference<>();
    private final AtomicReference<Point> fired = new AtomicReference<>();

    public void arm(Point point) {
        fired.set(null);
        armed.set(point);
    }

    /** The point that fired since it was armed, if any. */
    public Point fired() {
        return fired.get();
    }

    private final java.util.Map<String, java.util.function.Consumer<Rotation>> beforeRecorded =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Set<String> failProgressSave = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Runs {@code action} once, just before the step of that key's next rotation is recorded RUNNING:
     * the window in which an abort request can race the step.
     */
    public void onceBeforeRecorded(String keyId, String step, java.util.function.Consumer<Rotation> action) {
        beforeRecorded.put(keyId + "|" + step, action);
    }

    private final java.util.Map<String, Runnable> beforeWork = new java.util.concurrent.ConcurrentHashMap<>();

    /** Runs {@code action} once, when the step of that key's next rotation is recorded RUNNING, before its work. */
    public void onceBeforeWork(String keyId, String step, Runnable action) {
        beforeWork.put(keyId + "|" + step, action);
    }

    /** The next progress save of that key's rollout fails as a Vault timeout would. */
    public void failNextProgressSave(String keyId) {
        failProgressSave.add(keyId);
    }

    @Override
    public void beforeStepRecorded(Rotation rotation, String step) {
        java.util.function.Consumer<Rotation> action = beforeRecorded.remove(rotation.keyId() + "|" + step);
        if (action != null) {
            // Given the rotation: the test that armed it may not have its id yet, so fast is the engine.
            action.accept(rotation);
        }
    }

    @Override
    public void beforeProgressSave(Rotation rotation) {
        if (failProgressSave.remove(rotation.keyId())) {
            throw new dev.kashierrotator.vault.VaultUnavailableException(
                    "Vault at test is unreachable " + "(progress save of " + rotation.id() + "): HttpTimeoutException");
        }
    }

    @Override
    public void beforeStep(Rotation rotation, String step) {
        Runnable action = beforeWork.remove(rotation.keyId() + "|" + step);
        if (action != null) {
            action.run();
        }
        maybeCrash(rotation, When.BEFORE, step);
    }

    @Override
    public void afterStep(Rotation rotation, String step) {
        maybeCrash(rotation, When.AFTER, step);
    }

    @Override
    public void duringRollout(Rotation rotation) {
        maybeCrash(rotation, When.DURING_ROLLOUT, null);
    }

    private void maybeCrash(Rotation rotation, When when, String step) {
        Point p = armed.get();
        if (p != null
                && p.keyId().equals(rotation.keyId())
                && p.when() == when
                && (step == null || step.equals(p.step()))
                && armed.compareAndSet(p, null)) {
            fired.set(p);
            throw new SimulatedCrash(when + " " + (step == null ? "" : step) + " of " + rotation.id());
        }
    }
}
