package dev.kashierrotator.testing;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that ends with a child process of this JVM still running that it did not stop and that
 * is not one of the {@link SharedProcesses} kept on purpose. Registered for every class of both test phases
 * (junit-platform.properties turns on extension auto-detection; META-INF/services names this class), and run
 * after the class's own {@code @AfterAll} methods.
 *
 * <p>Integration test classes run three at a time: a class answers for the processes it started through
 * {@link SharedProcesses#owned(Process)}, and for any other stray child when no other class is running.
 */
public final class ProcessLeakCheck implements BeforeAllCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        String name = context.getRequiredTestClass().getName();
        SharedProcesses.RUNNING.add(name);
        SharedProcesses.OWNER.set(name);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        String name = context.getRequiredTestClass().getName();
        SharedProcesses.RUNNING.remove(name);
        boolean alone = SharedProcesses.RUNNING.isEmpty();
        List<String> left = SharedProcesses.left(
                Duration.ofSeconds(10),
                pid -> SharedProcesses.ownerOf(pid).map(name::equals).orElse(alone));
        if (!left.isEmpty()) {
            // Stopped here so that one leak is reported once, by the class that made it.
            ProcessHandle.current()
                    .children()
                    .filter(p -> left.stream().anyMatch(l -> l.startsWith(p.pid() + " ")))
                    .forEach(ProcessHandle::destroyForcibly);
            throw new AssertionError(context.getRequiredTestClass().getSimpleName()
                    + " ended with processes it started still running: " + String.join("; ", left));
        }
    }
}
