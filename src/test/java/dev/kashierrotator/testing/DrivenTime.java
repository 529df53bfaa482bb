package dev.kashierrotator.testing;

import dev.kashierrotator.util.Threads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Time a test drives: {@link #clock()} moves only when the test moves it, and the schedulers handed to the
 * engine run delayed work (a grace period's end, a retry's backoff, a lease renewal) when that clock
 * reaches it, never because wall time passed. Work that is due now runs at once, on real threads, and is
 * counted, so that {@link #runUntil} can let everything due run to its end, check what the test waits for,
 * and only then move the clock to the next delayed work. A loaded machine makes the run slower, not
 * different.
 *
 * <p>Pass it as the engine's {@link Threads} and its {@link #clock()} as the engine's clock; close it after
 * the test (it is a {@link Threads}: every thread it made ends).
 */
public final class DrivenTime extends Threads {

    /** How long work due now may run (wall time) before the test says what is stuck. */
    private static final Duration STUCK = Duration.ofSeconds(60);

    private final Object lock = new Object();
    private final PriorityQueue<Due<?>> due = new PriorityQueue<>();
    /** Guarded by lock. */
    private Instant now;
    /** Work handed to a thread and not yet ended; guarded by lock. */
    private int busy;

    private long sequence;

    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("driven time is UTC");
        }

        @Override
        public Instant instant() {
            synchronized (lock) {
                return now;
            }
        }
    };

    public DrivenTime(Instant start) {
        this.now = start;
    }

    /** The clock to give every part that this time drives. */
    public Clock clock() {
        return clock;
    }

    /** Delayed work not yet due. */
    public int pending() {
        synchronized (lock) {
            return due.size();
        }
    }

    /**
     * Lets the work due now run to its end; while {@code done} does not hold, moves the clock to the next
     * delayed work and lets that run, and so on. Fails when {@code done} does not hold by {@code within} of
     * driven time, or when work due now is still running after a minute of wall time.
     */
    public void runUntil(String what, BooleanSupplier done, Duration within) {
        Instant limit = clock.instant().plus(within);
        while (true) {
            awaitIdle(what);
            if (done.getAsBoolean()) {
                return;
            }
            Instant next;
            synchronized (lock) {
                Due<?> head = due.peek();
                if (head == null || head.at.isAfter(limit)) {
                    throw new AssertionError(what + ": not so within " + within + " of driven time (now " + now
                            + ", next work " + (head == null ? "none" : head.name + " at " + head.at) + ")");
                }
                next = head.at;
            }
            release(next);
        }
    }

    /** Moves the clock on by {@code by}, running each delayed work as the clock reaches it. */
    public void advance(Duration by) {
        Instant to = clock.instant().plus(by);
        while (true) {
            Instant next;
            synchronized (lock) {
                Due<?> head = due.peek();
                if (head == null || head.at.isAfter(to)) {
                    now = to;
                    return;
                }
                next = head.at;
            }
            release(next);
            awaitIdle("advancing to " + to);
        }
    }

    /** Sets the clock to {@code at} and hands every work due by then to its threads. */
    private void release(Instant at) {
        List<Due<?>> ready = new ArrayList<>();
        synchronized (lock) {
            if (at.isAfter(now)) {
                now = at;
            }
            while (!due.isEmpty() && !due.peek().at.isAfter(now)) {
                ready.add(due.poll());
            }
        }
        for (Due<?> d : ready) {
            d.owner.start(d);
        }
    }

    private void awaitIdle(String what) {
        long end = System.nanoTime() + STUCK.toNanos();
        synchronized (lock) {
            while (busy > 0) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(
                            what + ": " + busy + " works still running after " + STUCK.toSeconds() + " s of wall time");
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(what + ": interrupted");
                }
            }
        }
    }

    private void started() {
        synchronized (lock) {
            busy++;
        }
    }

    private void ended() {
        synchronized (lock) {
            busy--;
            lock.notifyAll();
        }
    }

    @Override
    public ScheduledExecutorService scheduler(String name, int threads) {
        return new Driven(name, pool(name, threads));
    }

    @Override
    public ThreadPoolExecutor pool(String name, int threads, BlockingQueue<Runnable> queue) {
        return keep(new Counted(threads, threads, queue, name));
    }

    @Override
    public ExecutorService elastic(String name) {
        return keep(new Counted(0, Integer.MAX_VALUE, new java.util.concurrent.SynchronousQueue<>(), name));
    }

    @Override
    public void close() {
        synchronized (lock) {
            due.clear();
        }
        super.close();
    }

    /** A pool whose work is counted from the moment it is handed over until it ends. */
    private final class Counted extends ThreadPoolExecutor {
        Counted(int core, int max, BlockingQueue<Runnable> queue, String name) {
            super(core, max, 60, TimeUnit.SECONDS, queue, factory(name));
        }

        @Override
        public void execute(Runnable work) {
            started();
            try {
                super.execute(() -> {
                    try {
                        work.run();
                    } finally {
                        ended();
                    }
                });
            } catch (RuntimeException e) {
                ended();
                throw e;
            }
        }

        @Override
        protected void terminated() {
            forget(this);
        }
    }

    /** A scheduler on driven time: work due now goes to its pool, delayed work waits for the clock. */
    private final class Driven extends AbstractExecutorService implements ScheduledExecutorService {

        private final String name;
        private final ExecutorService pool;

        Driven(String name, ExecutorService pool) {
            this.name = name;
            this.pool = pool;
        }

        /** Runs a released work; a periodic one is due again a period later. */
        void start(Due<?> d) {
            if (pool.isShutdown()) {
                return;
            }
            pool.execute(() -> {
                if (d.period == null) {
                    d.run();
                } else if (d.runAndReset() && !pool.isShutdown()) {
                    synchronized (lock) {
                        d.at = now.plus(d.period);
                        due.add(d);
                    }
                }
            });
        }

        private <V> Due<V> enqueue(Due<V> d, long delay, TimeUnit unit) {
            if (pool.isShutdown()) {
                throw new java.util.concurrent.RejectedExecutionException(name + " is shut down");
            }
            synchronized (lock) {
                d.at = now.plusNanos(Math.max(0, unit.toNanos(delay)));
                d.seq = sequence++;
                if (delay > 0) {
                    due.add(d);
                    return d;
                }
            }
            start(d);
            return d;
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable work, long delay, TimeUnit unit) {
            return enqueue(new Due<>(this, Executors.callable(work), null), delay, unit);
        }

        @Override
        public <V> ScheduledFuture<V> schedule(Callable<V> work, long delay, TimeUnit unit) {
            return enqueue(new Due<>(this, work, null), delay, unit);
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(Runnable work, long initial, long period, TimeUnit unit) {
            return enqueue(
                    new Due<>(this, Executors.callable(work), Duration.ofNanos(unit.toNanos(period))), initial, unit);
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(Runnable work, long initial, long delay, TimeUnit unit) {
            return scheduleAtFixedRate(work, initial, delay, unit);
        }

        @Override
        public void execute(Runnable work) {
            // As a real scheduler: what the work throws stays in its future, it does not end a thread.
            schedule(work, 0, TimeUnit.NANOSECONDS);
        }

        private void forgetOwn() {
            synchronized (lock) {
                due.removeIf(d -> d.owner == this);
            }
        }

        @Override
        public void shutdown() {
            forgetOwn();
            pool.shutdown();
        }

        @Override
        public List<Runnable> shutdownNow() {
            forgetOwn();
            return pool.shutdownNow();
        }

        @Override
        public boolean isShutdown() {
            return pool.isShutdown();
        }

        @Override
        public boolean isTerminated() {
            return pool.isTerminated();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            return pool.awaitTermination(timeout, unit);
        }
    }

    /** One work on driven time. */
    private final class Due<V> extends FutureTask<V> implements ScheduledFuture<V> {

        final Driven owner;
        final Duration period;
        final String name;
        Instant at;
        long seq;

        Due(Driven owner, Callable<V> work, Duration period) {
            super(work);
            this.owner = owner;
            this.period = period;
            this.name = owner.name;
        }

        @Override
        public boolean runAndReset() {
            return super.runAndReset();
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(Duration.between(clock.instant(), at));
        }

        @Override
        public int compareTo(Delayed other) {
            if (other instanceof Due<?> d) {
                int c = at.compareTo(d.at);
                return c != 0 ? c : Long.compare(seq, d.seq);
            }
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean interrupt) {
            synchronized (lock) {
                due.remove(this);
            }
            return super.cancel(interrupt);
        }
    }
}
