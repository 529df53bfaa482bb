package dev.kashierrotator.util;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A log line that anyone on the network can cause (a rejected token) must not let a flood of requests
 * flood the logs too: at most {@code perSecond} lines a second, and the next line that gets through says
 * how many were held back.
 */
public final class RateLimitedLog {

    private final int perSecond;
    private final AtomicLong second = new AtomicLong();
    private final AtomicLong inSecond = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();

    public RateLimitedLog(int perSecond) {
        this.perSecond = perSecond;
    }

    /**
     * Whether a line may be written now; when it may, {@link #suppressedSinceLast()} tells how many were
     * held back before it.
     */
    public boolean allow(long nowMillis) {
        long s = nowMillis / 1000;
        long current = second.get();
        if (s != current && second.compareAndSet(current, s)) {
            inSecond.set(0);
        }
        if (inSecond.incrementAndGet() <= perSecond) {
            return true;
        }
        suppressed.incrementAndGet();
        return false;
    }

    /** Lines held back since the last one written (and resets the count). */
    public long suppressedSinceLast() {
        return suppressed.getAndSet(0);
    }
}
