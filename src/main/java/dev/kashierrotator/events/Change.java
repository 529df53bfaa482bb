package dev.kashierrotator.events;

import dev.kashierrotator.rotation.DependentOutcome;
import dev.kashierrotator.rotation.Rotation;

/**
 * One change of a rotation as its record in Vault shows it, between two versions of the record.
 *
 * <p>{@code version} is the record's store version the change was read at; {@code last} says whether it is
 * the last change of that version, so a client that saw it has seen everything up to that version.
 */
public sealed interface Change {

    Rotation rotation();

    long version();

    boolean last();

    /** The whole rotation: on connecting, when a client may have missed changes, or when it first appears. */
    record Snapshot(Rotation rotation, long version, boolean last) implements Change {}

    /** The rotation's state (or error, dashboard wait, blocked dependents, abort) changed. */
    record State(Rotation rotation, long version, boolean last) implements Change {}

    /** A step changed (state, detail, times). */
    record Step(Rotation rotation, dev.kashierrotator.rotation.Step step, long version, boolean last)
            implements Change {}

    /** A wave changed state; {@code confirmed}, {@code failed} and {@code total} count its dependents. */
    record Wave(Rotation rotation, dev.kashierrotator.rotation.Wave wave, long version, boolean last)
            implements Change {}

    /** A dependent's outcome changed. */
    record Dependent(Rotation rotation, int wave, DependentOutcome dependent, long version, boolean last)
            implements Change {}
}
