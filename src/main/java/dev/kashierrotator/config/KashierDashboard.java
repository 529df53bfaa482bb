package dev.kashierrotator.config;

import org.eclipse.microprofile.config.spi.Converter;

/** Who changes keys at the Kashier dashboard ({@code rotator.kashier.dashboard}). */
public enum KashierDashboard {
    /** A person, told each step by the service: production, as Kashier has no key API. */
    MANUAL("manual"),
    /** The Kashier simulator of the local build (tests, the local run). */
    SIMULATOR("simulator");

    private final String id;

    KashierDashboard(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    @Override
    public String toString() {
        return id;
    }

    /** Reads the dashboard as configured, keeping other text for the check that names the entry. */
    public static final class Setting implements Converter<Choice<KashierDashboard>> {
        @Override
        public Choice<KashierDashboard> convert(String text) {
            return Choice.read(text, values(), KashierDashboard::id);
        }
    }
}
