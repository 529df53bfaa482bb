package dev.kashierrotator.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The record writer serialises a snapshot of the rotation, not the rotation itself: a field the snapshot
 * forgot would silently never reach Vault. Every field of the document, nested ones included, is set here by
 * reflection (so a field added later is covered without touching this test) and must survive the copy.
 */
@Tag("fast")
class RotationSnapshotTest {

    private static final ObjectMapper JSON =
            new ObjectMapper().findAndRegisterModules().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** The record's immutable value parts: filled through their own fields, shared by the copy. */
    private static final List<Class<?>> VALUE_PARTS =
            List.of(Request.class, KeyRef.class, OldKeyEnd.class, PersonWait.class, AbortRequest.class, Lease.class);

    @Test
    void aSnapshotHoldsEveryFieldAndSharesNothingMutable() throws Exception {
        Rotation r = filled(new Rotation(), 1);
        Step step = filled(new Step(), 2);
        set(step, "name", StepName.ROLLOUT);
        set(r, "steps", new ArrayList<>(List.of(step)));
        Wave wave = filled(new Wave(), 3);
        set(wave, "dependents", new ArrayList<>(List.of(filled(new DependentOutcome(), 4))));
        set(r, "waves", new WaveList(List.of(wave)));

        Rotation copy = r.snapshot();

        assertEquals(JSON.writeValueAsString(r), JSON.writeValueAsString(copy));
        assertEquals(r.storeVersion(), copy.storeVersion(), "the check-and-set version travels with the copy");
        copy.outcomes().finished(copy.waves().get(0).dependents().get(0), DependentState.FAILED, "changed", null);
        copy.steps().get(0).note("changed");
        copy.answered(StepName.EXPIRE_OLD_KEY, null, "someone", Instant.EPOCH);
        assertNotEquals(
                DependentState.FAILED, r.waves().get(0).dependents().get(0).state());
        assertNotEquals("changed", r.steps().get(0).detail());
        assertEquals(1, r.personWait().confirmedSteps().size());
    }

    private static void set(Object target, String field, Object value) throws ReflectiveOperationException {
        Field f = target.getClass().getDeclaredField(field);
        f.setAccessible(true);
        f.set(target, value);
    }

    /** Sets every field of the document (every instance field but the lock) to a value that is not its default. */
    private static <T> T filled(T target, int seed) throws IllegalAccessException {
        for (Field f : target.getClass().getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) || Modifier.isTransient(f.getModifiers())) {
                continue;
            }
            f.setAccessible(true);
            Class<?> type = f.getType();
            Object value;
            if (type == String.class) {
                value = f.getName() + "-" + seed;
            } else if (type == Instant.class) {
                value = Instant.ofEpochSecond(
                        1_700_000_000L + seed * 1000L + f.getName().length());
            } else if (type == long.class || type == Long.class) {
                value = 40L + seed + f.getName().length();
            } else if (type == int.class || type == Integer.class) {
                value = 7 + seed;
            } else if (type == boolean.class) {
                value = true;
            } else if (type.isEnum()) {
                Object[] constants = type.getEnumConstants();
                value = constants[constants.length - 1];
            } else if (type == List.class) {
                value = new ArrayList<>(List.of(f.getName() + "-" + seed));
            } else if (type == WaveList.class) {
                value = new WaveList();
            } else if (VALUE_PARTS.contains(type)) {
                try {
                    java.lang.reflect.Constructor<?> none = type.getDeclaredConstructor();
                    none.setAccessible(true);
                    value = filled(none.newInstance(), seed);
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            } else {
                throw new AssertionError("no test value for " + f + ": teach this test its type");
            }
            f.set(target, value);
        }
        return target;
    }
}
