package dev.kashierrotator.rotation;

import java.time.Duration;

/** What the engine reports to whoever counts (Micrometer in the service; nothing in the fast tests). */
public interface EngineMetrics {

    /** Reports nothing. */
    EngineMetrics NONE = new EngineMetrics() {};

    /** A rotation ended ({@code outcome} is its final state), after {@code took} from its request. */
    default void finished(Rotation rotation, String outcome, Duration took) {}

    /** A replica found its rotation taken over under a newer claim. */
    default void superseded() {}

    /** A held rotation that nobody worked on was picked up again. */
    default void stalledResumed() {}
}
