package dev.kashierrotator.rotation;

/**
 * A rotation request that cannot be honoured, and why in the domain's terms ({@link Refusal}); the API
 * chooses the HTTP status for each.
 */
public class RotationException extends RuntimeException {

    /** Why a request is refused. */
    public enum Refusal {
        /** No such key or rotation. */
        UNKNOWN,
        /** The state does not allow it now (running, finished, already answered, too late). */
        CONFLICT,
        /** A field is malformed (missing, wrong shape). */
        INVALID,
        /** A field is well-formed but will not do (the old key sent as the new one, a key Kashier rejects). */
        UNPROCESSABLE
    }

    private final Refusal refusal;
    private final String title;
    private final String rotationId;
    private final String field;

    public RotationException(Refusal refusal, String title, String detail, String rotationId) {
        this(refusal, title, detail, rotationId, null);
    }

    private RotationException(Refusal refusal, String title, String detail, String rotationId, String field) {
        super(detail);
        this.refusal = refusal;
        this.title = title;
        this.rotationId = rotationId;
        this.field = field;
    }

    /** A request field that will not do ({@link Refusal#INVALID} or {@link Refusal#UNPROCESSABLE}). */
    public static RotationException invalid(Refusal refusal, String field, String message, String rotationId) {
        return new RotationException(
                refusal,
                refusal == Refusal.INVALID ? "Invalid request" : "Unprocessable request",
                message,
                rotationId,
                field);
    }

    /** The request field at fault, if any. */
    public String field() {
        return field;
    }

    public static RotationException unknownKey(String keyId) {
        return new RotationException(Refusal.UNKNOWN, "Unknown key", "no key '" + keyId + "' in the inventory", null);
    }

    public static RotationException running(String keyId, String rotationId) {
        return new RotationException(
                Refusal.CONFLICT,
                "Rotation already running",
                "rotation " + rotationId + " of key '" + keyId + "' is still running",
                rotationId);
    }

    public Refusal refusal() {
        return refusal;
    }

    public String title() {
        return title;
    }

    /** The rotation this is about, when there is one (the running one for a conflict). */
    public String rotationId() {
        return rotationId;
    }
}
