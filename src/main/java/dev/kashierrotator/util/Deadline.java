package dev.kashierrotator.util;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A wall-clock bound on a blocking call made by the current thread: when it passes, a watchdog interrupts
 * the thread (the JDK HTTP client's {@code send} then cancels its exchange and closes the connection).
 * The call runs on the caller's own thread, with no hand-off. Use in try-with-resources; {@link #passed()}
 * tells whether an interruption was this bound's.
 */
public final class Deadline implements AutoCloseable {

    /**
     * One JVM-wide watchdog on wall time (a bound on I/O must not follow a test's clock), outside
     * {@link Threads} because the bound is static: its thread lives only while a bound is pending and ends
     * a second after the last one, so nothing of it outlives the work.
     */
    private static final ScheduledExecutorService WATCHDOG = watchdog();

    private static ScheduledExecutorService watchdog() {
        ScheduledThreadPoolExecutor w = new ScheduledThreadPoolExecutor(0, r -> {
            Thread t = new Thread(r, "deadline-watchdog");
            t.setDaemon(true);
            return t;
        });
        w.setKeepAliveTime(1, TimeUnit.SECONDS);
        w.setRemoveOnCancelPolicy(true);
        return w;
    }

    private final Thread caller = Thread.currentThread();
    private final ScheduledFuture<?> alarm;
    /** Guards done and passed; private, so no caller can hold it. */
    private final Object lock = new Object();

    private boolean done;
    private boolean passed;

    private Deadline(Duration within) {
        this.alarm = WATCHDOG.schedule(this::fire, within.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Starts a bound for the current thread. */
    public static Deadline start(Duration within) {
        return new Deadline(within);
    }

    private void fire() {
        synchronized (lock) {
            if (!done) {
                passed = true;
                caller.interrupt();
            }
        }
    }

    /** Whether the bound passed (and interrupted the thread) before the call ended. */
    public boolean passed() {
        synchronized (lock) {
            return passed;
        }
    }

    @Override
    public void close() {
        boolean clear;
        synchronized (lock) {
            done = true;
            clear = passed;
        }
        alarm.cancel(false);
        if (clear) {
            // This bound's own interrupt must not leak into whatever the thread does next.
            Thread.interrupted();
        }
    }
}
