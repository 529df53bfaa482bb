package dev.kashierrotator.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kashierrotator.rotation.DependentState;
import dev.kashierrotator.rotation.Rotation;
import dev.kashierrotator.rotation.RotationState;
import dev.kashierrotator.rotation.StepState;
import dev.kashierrotator.testing.ConfigMappings;
import dev.kashierrotator.testing.InMemoryKv;
import io.smallrye.config.PropertiesConfigSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rotation records in Vault outlive the version that wrote them. The documents under
 * {@code src/test/resources/records/schema-1/} were written by the service as it was on 2026-11-29
 * (before the {@code schema} entry existed), one per key kind, and copied out of the store unchanged.
 */
@Tag("fast")
class RecordSchemaTest {

    private static final String PREFIX = "kashier-rotator";

    private final InMemoryKv kv = new InMemoryKv("secret");
    private final VaultRotationStore store = new VaultRotationStore(
            kv,
            new ObjectMapper().findAndRegisterModules().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS),
            ConfigMappings.rotator(new PropertiesConfigSource(Map.of(), "schema", 100)),
            java.time.Clock.systemUTC());

    @ParameterizedTest(name = "a {0} record written before schemas loads, and is written back as schema 2")
    @ValueSource(strings = {"payment", "secret", "alternating"})
    void aRecordCapturedTodayStillLoads(String kind) throws IOException {
        String captured = Files.readString(Path.of("src/test/resources/records/schema-1/" + kind + ".json"))
                .strip();
        String id = new ObjectMapper().readTree(captured).path("id").asText();
        kv.write(PREFIX + "/rotations/" + id, Map.of("record", captured), 0);

        Rotation r = store.get(id).orElseThrow();
        assertEquals(RotationState.COMPLETED, r.state());
        assertEquals(
                kind.equals("payment") ? "payment-api-key" : "secret-key",
                r.request().kind().id());
        assertTrue(r.newFingerprint().matches("[0-9a-f]{16}"), "fingerprint kept: " + r.newFingerprint());
        assertTrue(r.steps().stream().allMatch(s -> s.state() == StepState.DONE), "every step read");
        assertTrue(
                r.waves().stream()
                        .flatMap(w -> w.dependents().stream())
                        .allMatch(d -> d.state() == DependentState.CONFIRMED && d.confirmedAt() != null),
                "waves read");
        assertEquals(kind.equals("alternating"), r.fromUser() != null && r.toUser() != null, "users read");
        assertNull(r.rollBackCause(), "a field added later reads as absent");

        String reason = r.request().reason();
        store.update(r);
        Map<String, String> document =
                kv.read(PREFIX + "/rotations/" + id).orElseThrow().data();
        assertEquals("2", document.get("schema"));
        assertEquals(reason, store.get(id).orElseThrow().request().reason(), "written back as it was read");
    }

    @ParameterizedTest(name = "a {0} record is written back field for field as it was read")
    @ValueSource(strings = {"payment", "secret", "alternating"})
    void aRecordIsWrittenBackFieldForField(String kind) throws IOException {
        // The record's Java shape may change (value parts, enums); its Vault document may not: every field a
        // captured record holds is written back with the same name and value, and nothing else is added but
        // the fields of later schemas, empty.
        ObjectMapper mapper = new ObjectMapper();
        String captured = Files.readString(Path.of("src/test/resources/records/schema-1/" + kind + ".json"))
                .strip();
        String id = mapper.readTree(captured).path("id").asText();
        kv.write(PREFIX + "/rotations/" + id, Map.of("record", captured), 0);
        store.update(store.get(id).orElseThrow());

        com.fasterxml.jackson.databind.node.ObjectNode written =
                (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(kv.read(PREFIX + "/rotations/" + id)
                        .orElseThrow()
                        .data()
                        .get("record"));
        assertTrue(written.path("rollBackCause").isNull(), "schema 2's field, empty");
        written.remove("rollBackCause");
        assertEquals(mapper.readTree(captured), written);
    }

    @Test
    void aRecordOfANewerSchemaIsRefusedWithWhy() {
        kv.write(PREFIX + "/rotations/rot-from-the-future", Map.of("schema", "3", "record", "{\"id\":\"x\"}"), 0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> store.get("rot-from-the-future"));
        assertEquals(
                "rotation record rot-from-the-future in Vault has schema 3, newer than this version of the "
                        + "service reads (2): run the newer version",
                e.getMessage());
    }
}
