package dev.kashierrotator.rotation;

/** A rotation request that cannot be honoured; {@link #status()} is the HTTP status the API answers. */
public class RotationException extends RuntimeException {

    private final int status;
    private final String title;
    private final String rotationId;
    private final String field;

    public RotationException(int status, String title, String detail, String rotationId) {
        this(status, title, detail, rotationId, null);
    }

    private RotationException(int status, String title, String detail, String rotationId, String field) {
        super(detail);
        this.status = status;
        this.title = title;
        this.rotationId = rotationId;
        this.field = field;
    }

    /** A request field that will not do (400 malformed, 422 well-formed but refused). */
    public static RotationException invalid(int status, String field, String message, String rotationId) {
        return new RotationException(status, status == 400 ? "Invalid request" : "Unprocessable request", message,
                rotationId, field);
    }

    /** The request field at fault, if any. */
    public String field() {
        return field;
    }

    public static RotationException unknownKey(String keyId) {
        return new RotationException(404, "Unknown key", "no key '" + keyId + "' in the inventory", null);
    }

    public static RotationException running(String keyId, String rotationId) {
        return new RotationException(409, "Rotation already running",
                "rotation " + rotationId + " of key '" + keyId + "' is still running", rotationId);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** The rotation this is about, when there is one (the running one for a 409). */
    public String rotationId() {
        return rotationId;
    }
}
