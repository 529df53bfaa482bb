package dev.kashierrotator;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The service's entry point: Quarkus as usual, except that a start-up that fails says why in one line on
 * standard error (which setting, what to do) instead of a stack trace inside a JSON log record.
 */
@QuarkusMain
public final class Main {

    private Main() {}

    public static void main(String... args) {
        Quarkus.run(null, Main::exit, args);
    }

    private static void exit(int code, Throwable failure) {
        if (failure != null) {
            StartupFailure explained = StartupFailure.of(failure);
            System.err.println(explained.message());
            if (!explained.understood()) {
                // Not one of the failures a person can fix from a line: the whole story, masked, for a bug report.
                explained.printTrace(System.err);
            }
            System.err.flush();
        }
        System.exit(code);
    }
}
