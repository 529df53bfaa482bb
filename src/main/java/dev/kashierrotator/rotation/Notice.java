package dev.kashierrotator.rotation;

import java.time.Instant;

/**
 * Something people are told about at once (docs/notifications.md): a rotation needs a person or ended, a
 * key is overdue, the schedule was paused or resumed. It holds fingerprints, ids and the instructions a
 * person reads, never a key value.
 *
 * @param event        {@code person-needed}, {@code completed}, {@code failed}, {@code rolled-back},
 *                     {@code aborted}, {@code key-overdue}, {@code schedule-paused} or {@code schedule-resumed}
 * @param id           unique per notice (receivers deduplicate on it)
 * @param rotationId   the rotation, when it is about one
 * @param keyId        the key, when it is about one
 * @param mid          the key's merchant id
 * @param mode         {@code test} or {@code live}
 * @param step         the step waiting for a person
 * @param summary      one line saying what happened
 * @param instructions what the person is to do (the step's instructions), or why it ended (the error)
 * @param by           who paused or resumed the schedule
 * @param until        when a pause ends by itself
 */
public record Notice(
        String event,
        String id,
        Instant at,
        String rotationId,
        String keyId,
        String mid,
        String mode,
        String step,
        String summary,
        String instructions,
        String by,
        Instant until) {

    /** A rotation that waits for a person at this step, with what they are to do. */
    public static Notice personNeeded(Rotation r, StepName step, Instant at) {
        return new Notice(
                "person-needed",
                r.id() + "/" + step + "/" + at.toEpochMilli(),
                at,
                r.id(),
                r.keyId(),
                r.request().mid(),
                r.request().modeId(),
                step.name(),
                "Rotation " + r.id() + " of " + r.request().mode() + " key " + r.keyId() + " (merchant "
                        + r.request().mid() + ") waits for a person: " + step,
                r.step(step).detail(),
                null,
                null);
    }

    /** A rotation that ended: completed, failed, rolled back or aborted. */
    public static Notice ended(Rotation r, Instant at) {
        String event = r.state().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        String how = r.state() == RotationState.COMPLETED
                ? "completed: fingerprint " + r.oldKey().fingerprint() + " -> " + r.newFingerprint()
                : event.replace('-', ' ') + (r.error() == null ? "" : ": " + r.error());
        return new Notice(
                event,
                r.id() + "/" + event,
                at,
                r.id(),
                r.keyId(),
                r.request().mid(),
                r.request().modeId(),
                null,
                "Rotation " + r.id() + " of " + r.request().mode() + " key " + r.keyId() + " (merchant "
                        + r.request().mid() + ") " + how,
                r.error(),
                null,
                null);
    }
}
