package dev.kashierrotator.util;

import io.quarkus.logging.Log;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The service's one source of threads. Every executor of the engine, the rollout, the stores, the audit
 * trail, the event feed and the notifier is made here: named daemon threads, kept in one list, and all
 * closed when the service stops ({@link #close}: running work gets a bounded time to end, then is
 * interrupted). A short-lived executor (one rollout's) leaves the list when it terminates.
 *
 * <p>Delayed and periodic work goes through {@link #scheduler}: tests give the engine a subclass whose
 * schedulers run delayed work when a test clock is advanced, not when wall time passes.
 */
public class Threads implements AutoCloseable {

    /** How long {@link #close} lets running work end before it interrupts it. */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private final Set<ExecutorService> open = ConcurrentHashMap.newKeySet();
    private final Duration grace;
    private volatile boolean closed;

    public Threads() {
        this(CLOSE_GRACE);
    }

    Threads(Duration grace) {
        this.grace = grace;
    }

    /** Named daemon threads: {@code name-1}, {@code name-2}, … */
    public ThreadFactory factory(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Threads for delayed and periodic work (and immediate work beside it). Delayed work pending when the
     * service stops is dropped, not run.
     */
    public ScheduledExecutorService scheduler(String name, int threads) {
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(threads, factory(name)) {
            @Override
            protected void terminated() {
                open.remove(this);
            }
        };
        s.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        s.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        s.setRemoveOnCancelPolicy(true);
        return keep(s);
    }

    /** At most {@code threads} threads, the rest of the work queued in arrival order. */
    public ExecutorService pool(String name, int threads) {
        return pool(name, threads, new LinkedBlockingQueue<>());
    }

    /** At most {@code threads} threads over the given queue (bounded, if the caller must refuse work). */
    public ThreadPoolExecutor pool(String name, int threads, BlockingQueue<Runnable> queue) {
        return keep(new Tracked(threads, threads, 0, queue, factory(name)));
    }

    /** As many threads as there is work, each ended after a minute idle (the HTTP client's). */
    public ExecutorService elastic(String name) {
        return keep(new Tracked(0, Integer.MAX_VALUE, 60_000, new SynchronousQueue<>(), factory(name)));
    }

    /** Executors made here and not yet terminated. */
    public int open() {
        return open.size();
    }

    /** Keeps an executor made by a subclass, so that {@link #close} stops it too. */
    protected final <E extends ExecutorService> E keep(E executor) {
        if (closed) {
            executor.shutdownNow();
            throw new IllegalStateException("the service is stopping: no new threads");
        }
        open.add(executor);
        return executor;
    }

    /** Forgets an executor that terminated (subclasses' executors call this). */
    protected final void forget(ExecutorService executor) {
        open.remove(executor);
    }

    /**
     * Stops every executor made here: no new work, running and queued work gets {@link #CLOSE_GRACE} in
     * all to end (delayed work not yet due is dropped), then what is left is interrupted. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        List<ExecutorService> all = new ArrayList<>(open);
        all.forEach(ExecutorService::shutdown);
        long deadline = System.nanoTime() + grace.toNanos();
        try {
            for (ExecutorService e : all) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !e.awaitTermination(left, TimeUnit.NANOSECONDS)) {
                    e.shutdownNow();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            all.forEach(ExecutorService::shutdownNow);
            open.removeAll(all);
        }
        if (!all.isEmpty()) {
            Log.debugf("threads: %d executors closed", all.size());
        }
    }

    private final class Tracked extends ThreadPoolExecutor {
        Tracked(int core, int max, long idleMillis, BlockingQueue<Runnable> queue, ThreadFactory factory) {
            super(core, max, idleMillis, TimeUnit.MILLISECONDS, queue, factory);
        }

        @Override
        protected void terminated() {
            open.remove(this);
        }
    }
}
