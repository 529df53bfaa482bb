package dev.kashierrotator.config;

import dev.kashierrotator.util.Threads;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * The service's time and threads, each with one home: the clock (UTC system time) every part reads the
 * time from, and the {@link Threads} every part takes its executors from, closed when the service stops.
 * Injected, so that tests run the engine on a clock they advance.
 */
public class Clocks {

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    @Produces
    @Singleton
    Threads threads() {
        return new Threads();
    }

    void close(@Disposes Threads threads) {
        threads.close();
    }
}
