package dev.kashierrotator.events;

import dev.kashierrotator.rotation.DependentOutcome;
import dev.kashierrotator.rotation.Rotation;
import dev.kashierrotator.rotation.Step;
import dev.kashierrotator.rotation.StepName;
import dev.kashierrotator.rotation.Wave;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * What changed between two versions of a rotation record: dependents first, then waves, steps and the
 * rotation's state, so a client applying them in order ends on the state last. Pure, so it is tested on
 * its own; both versions are snapshots, never the live record.
 */
public final class RotationDiff {

    private RotationDiff() {}

    /**
     * The changes from {@code before} (null: nothing known, so a snapshot) to {@code after}, at {@code
     * after}'s version; the last one is marked so.
     */
    public static List<Change> between(Rotation before, Rotation after) {
        long v = after.storeVersion();
        if (before == null) {
            return List.of(new Change.Snapshot(after, v, true));
        }
        List<BiFunction<Long, Boolean, Change>> found = new ArrayList<>();
        Map<String, DependentOutcome> was = new HashMap<>();
        Map<Integer, Wave> waveWas = new HashMap<>();
        for (Wave w : before.waves()) {
            waveWas.put(w.index(), w);
            w.dependents().forEach(d -> was.put(w.index() + "/" + d.id(), d));
        }
        for (Wave w : after.waves()) {
            for (DependentOutcome d : w.dependents()) {
                if (!same(was.get(w.index() + "/" + d.id()), d)) {
                    found.add((version, last) -> new Change.Dependent(after, w.index(), d, version, last));
                }
            }
        }
        for (Wave w : after.waves()) {
            Wave old = waveWas.get(w.index());
            if (old == null
                    || old.state() != w.state()
                    || !Objects.equals(old.startedAt(), w.startedAt())
                    || !Objects.equals(old.endedAt(), w.endedAt())) {
                found.add((version, last) -> new Change.Wave(after, w, version, last));
            }
        }
        Map<StepName, Step> stepWas = new HashMap<>();
        before.steps().forEach(s -> stepWas.put(s.name(), s));
        for (Step s : after.steps()) {
            Step old = stepWas.get(s.name());
            if (old == null
                    || old.state() != s.state()
                    || !Objects.equals(old.detail(), s.detail())
                    || !Objects.equals(old.startedAt(), s.startedAt())
                    || !Objects.equals(old.endedAt(), s.endedAt())) {
                found.add((version, last) -> new Change.Step(after, s, version, last));
            }
        }
        if (before.state() != after.state()
                || !Objects.equals(before.error(), after.error())
                || !Objects.equals(before.newFingerprint(), after.newFingerprint())
                || !before.personWait().equals(after.personWait())
                || !before.abort().equals(after.abort())
                || !before.oldKeyEnd().equals(after.oldKeyEnd())) {
            found.add((version, last) -> new Change.State(after, version, last));
        }
        List<Change> changes = new ArrayList<>(found.size());
        for (int i = 0; i < found.size(); i++) {
            changes.add(found.get(i).apply(v, i == found.size() - 1));
        }
        return changes;
    }

    private static boolean same(DependentOutcome a, DependentOutcome b) {
        return a != null
                && a.state() == b.state()
                && a.attempts() == b.attempts()
                && a.accepted() == b.accepted()
                && Objects.equals(a.circuitBreaker(), b.circuitBreaker())
                && Objects.equals(a.error(), b.error())
                && Objects.equals(a.confirmedAt(), b.confirmedAt());
    }
}
