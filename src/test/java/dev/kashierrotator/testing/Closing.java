package dev.kashierrotator.testing;

/** Closing what a test class started, when its start failed part-way. */
public final class Closing {

    private Closing() {}

    /**
     * Closes each part that was made (null when its start never came), every one even when one fails: a
     * failed start must not leave the parts made before it running. The first failure is thrown, the others
     * suppressed in it.
     */
    public static void all(AutoCloseable... parts) {
        RuntimeException failed = null;
        for (AutoCloseable part : parts) {
            if (part == null) {
                continue;
            }
            try {
                part.close();
            } catch (Exception e) {
                if (failed == null) {
                    failed = new IllegalStateException("could not close " + part, e);
                } else {
                    failed.addSuppressed(e);
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
    }
}
