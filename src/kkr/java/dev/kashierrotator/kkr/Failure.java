package dev.kashierrotator.kkr;

/** Why kkr stops, and the exit code a script branches on (docs/kkr.md). */
final class Failure extends RuntimeException {

    /** Exit codes. */
    static final int OK = 0;

    static final int FAILED = 10;
    static final int ROLLED_BACK = 11;
    static final int ABORTED = 12;
    static final int WAITING_FOR_PERSON = 20;
    static final int USAGE = 2;
    static final int REFUSED = 30;
    static final int UNAUTHORIZED = 31;
    static final int UNREACHABLE = 40;

    final int code;
    /** The service's HTTP status when it refused the call, else 0. */
    final int status;

    Failure(int code, String message) {
        this(code, message, 0);
    }

    Failure(int code, String message, int status) {
        super(message, null, false, false);
        this.code = code;
        this.status = status;
    }

    /** The service judged what was sent (a key of the wrong shape, one it refused), not the moment. */
    boolean answerRefused() {
        return code == REFUSED && (status == 400 || status == 422);
    }

    static Failure usage(String message) {
        return new Failure(USAGE, message);
    }
}
