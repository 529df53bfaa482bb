package dev.kashierrotator.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kashierrotator.rotation.Rotation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The changes between two versions of a record, on records read as the store reads them (a completed
 * payment rotation captured from the store, and the same record earlier in its rollout).
 */
@Tag("fast")
class RotationDiffTest {

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    @Test
    void theRolloutsLastWaveFinishingIsTheDependentThenTheWaveThenTheStepsThenTheState() throws IOException {
        ObjectNode after = captured();
        ObjectNode before = after.deepCopy();
        before.put("state", "RUNNING");
        ObjectNode wave = (ObjectNode) before.at("/waves/1");
        wave.put("state", "RUNNING").putNull("endedAt");
        ((ObjectNode) wave.at("/dependents/0")).put("state", "VERIFYING").putNull("confirmedAt");
        for (String step : List.of("ROLLOUT", "PROMOTE", "GRACE", "EXPIRE_OLD_KEY")) {
            before.withArray("steps").forEach(s -> {
                if (s.path("name").asText().equals(step)) {
                    ((ObjectNode) s).put("state", step.equals("ROLLOUT") ? "RUNNING" : "PENDING");
                }
            });
        }

        List<Change> changes = RotationDiff.between(read(before, 7), read(after, 8));

        assertEquals(
                List.of(
                        "Dependent crash-later",
                        "Wave 1",
                        "Step ROLLOUT",
                        "Step PROMOTE",
                        "Step GRACE",
                        "Step EXPIRE_OLD_KEY",
                        "State"),
                changes.stream().map(RotationDiffTest::describe).toList());
        assertTrue(changes.stream().allMatch(c -> c.version() == 8));
        assertEquals(
                List.of(false, false, false, false, false, false, true),
                changes.stream().map(Change::last).toList(),
                "the last change of a version says so: a client that saw it has that version whole");
    }

    @Test
    void nothingChangedIsNoChangeAndNothingKnownIsASnapshot() throws IOException {
        Rotation r = read(captured(), 3);
        assertEquals(List.of(), RotationDiff.between(read(captured(), 3), r));
        List<Change> first = RotationDiff.between(null, r);
        assertEquals(1, first.size());
        assertTrue(first.get(0) instanceof Change.Snapshot && first.get(0).last());
    }

    @Test
    void eventIdsSayWhetherAVersionWasSeenWhole() throws IOException {
        ObjectNode after = captured();
        ObjectNode before = after.deepCopy();
        before.put("state", "RUNNING").put("error", "x");
        ((ObjectNode) before.at("/waves/0/dependents/0")).put("attempts", 0);
        List<Change> changes = RotationDiff.between(read(before, 4), read(after, 5));
        String id = after.path("id").asText();
        assertEquals(id + "@5.0", RotationFeed.eventId(changes.get(0), 0));
        assertEquals(id + "@5", RotationFeed.eventId(changes.get(1), 1));
        RotationFeed.Position whole = RotationFeed.Position.parse(id + "@5");
        assertTrue(whole.complete()
                && whole.version() == 5
                && whole.rotationId().orElseThrow().equals(id));
        assertTrue(!RotationFeed.Position.parse(id + "@5.0").complete());
        assertEquals(RotationFeed.Position.NONE, RotationFeed.Position.parse("garbage"));
    }

    private static String describe(Change c) {
        if (c instanceof Change.Dependent d) {
            return "Dependent " + d.dependent().id();
        }
        if (c instanceof Change.Wave w) {
            return "Wave " + w.wave().index();
        }
        if (c instanceof Change.Step s) {
            return "Step " + s.step().name();
        }
        return c.getClass().getSimpleName();
    }

    private static ObjectNode captured() throws IOException {
        return (ObjectNode)
                JSON.readTree(Files.readString(Path.of("src/test/resources/records/schema-1/payment.json")));
    }

    private static Rotation read(ObjectNode json, long version) throws IOException {
        Rotation r = JSON.treeToValue(json, Rotation.class);
        r.written(version);
        return r;
    }
}
